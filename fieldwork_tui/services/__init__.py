"""Use cases, grouped by area (controls, evidence, sampling, requests, findings, bundle, maintenance,
demo). They open database sessions (through `store.handle.EngagementHandle`) and touch files, and return
plain frozen dataclasses (each area's `views.py`) to the CLI and the TUI, which import only an area's
package (`services.<area>`, its `__init__`) or its `views`, plus `services.engagements` and
`services.errors` (docs/DESIGN.md).

Never imports textual or typer: the CLI and the TUI are two faces over these functions.
"""
