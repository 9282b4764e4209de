"""Maintenance commands: backup and restore of an engagement."""
