"""Use cases. Each module owns one area; they open database sessions and touch files.

Never imports textual or typer: the CLI and the TUI are two faces over these functions.
"""
