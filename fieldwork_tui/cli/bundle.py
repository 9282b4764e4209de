"""Bundle commands: export, verify, check."""
