"""Dialog: the evidence types a control requires (defaults by kind of control; the auditor may
change them, e.g. add re-performance for a key access control). Returns what `save` returns."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, SelectionList

from fieldwork_tui.domain.vocab import EVIDENCE_ORDER
from fieldwork_tui.tui.kit.forms import FormDialog


class RequiredTypesDialog(FormDialog):
    """`fetch()` reads the types the control requires now."""

    def __init__(self, control_ref: str, current: list[str] | None = None, **kwargs) -> None:
        super().__init__(title=f"Evidence types {control_ref} requires", **kwargs)
        self.current = list(current or [])

    def fields(self) -> ComposeResult:
        yield Label("space toggles · ctrl+s saves. Missing types flag the control.", classes="field-label")
        yield SelectionList[str](*[(t.value, t.value, t.value in self.current) for t in EVIDENCE_ORDER], id="types")

    def show(self, current) -> None:
        if current is None:
            return
        types = self.query_one("#types", SelectionList)
        types.deselect_all()
        for value in current:
            types.select(value)

    def values(self) -> list[str]:
        chosen = self.value("types")
        return [t.value for t in EVIDENCE_ORDER if t.value in chosen]
