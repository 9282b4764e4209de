"""The Textual face of fieldwork-tui. Talks only to `fieldwork_tui.services`."""
