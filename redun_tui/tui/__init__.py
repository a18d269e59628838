"""The Textual browser: :class:`redun_tui.tui.app.RedunTuiApp` and its screens and widgets."""
