"""broadsheet's screen: the Textual app, its panes and widgets, and the command line."""

import os

# Textual draws a frame at most every 1/TEXTUAL_FPS s after a change (60 by default): up to 17 ms of
# every key's response spent waiting for the next frame. 120 halves that wait; frames are still only
# drawn when something changed. Read when Textual is first imported; a user's setting wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
