"""Key maps shipped with broadsheet (TOML): default, vim, emacs."""
