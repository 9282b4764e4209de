"""Pure rules of SOC 2 fieldwork: vocabulary, triangulation, sampling, comparison, phases.

Nothing here performs I/O or imports sqlmodel, textual or typer.
"""
