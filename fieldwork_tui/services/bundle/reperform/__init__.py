"""The bundle's `reperform/` script, kept here as a package resource: `sample.py` is copied into every
bundle byte for byte. It uses only Python's standard library and never imports fieldwork_tui, so a
reviewer can run it on a machine without the app (docs/sampling-method.md)."""
