"""fieldwork-tui: offline terminal workbench for SOC 2 fieldwork."""

__version__ = "0.1.0"
