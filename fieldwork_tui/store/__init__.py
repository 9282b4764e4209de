"""Storage: engagement folders, the SQLite engine and its migrations, the evidence vault."""
