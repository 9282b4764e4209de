"""Request-list commands: import requests, export-requests."""
