"""The `redun-tui` subcommands, one module each; shared helpers in :mod:`.common`."""
