"""Evidence commands: attach, compare (interviews and observations are entered in the app)."""
