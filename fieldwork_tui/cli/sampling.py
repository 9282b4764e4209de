"""Sampling commands: import population, sample (select, expand, verify)."""
