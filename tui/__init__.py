"""broadsheet's screen: the Textual app, its panes and widgets, and the command line."""
