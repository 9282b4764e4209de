"""Dialog: edit what is known of an evidence file — its own as-of date and its description.

Both belong to the document, wherever it is attached: the subtitle names every control whose
workpaper uses the file, because their sign-offs go stale when either changes."""

from __future__ import annotations

from textual.app import ComposeResult

from fieldwork_tui.tui.kit.forms import FormDialog, area_field, text_field


class EvidenceEditDialog(FormDialog[object]):
    TITLE_TEXT = "Evidence file"
    SAVE_LABEL = "Save"
    FIELD_NAMES = {"as of": "as-of", "description": "description"}

    def __init__(self, name: str, as_of: str, description: str, used_by: list[str], *, save=None,
                 fetch=None) -> None:
        """`fetch()` (optional) reads the record as it is now (an EvidenceView): when the form opens, and
        on ctrl+r after a save was refused because someone changed it meanwhile."""
        used = ", ".join(used_by) if used_by else "no control yet"
        super().__init__(title=f"Evidence file {name}",
                         subtitle=f"Used by {used}: a change makes their sign-offs stale.", save=save, fetch=fetch)
        self.as_of, self.description = as_of, description

    def show(self, view) -> None:
        if view is not None:
            self.fill({"as-of": view.as_of.isoformat() if view.as_of else "", "description": view.description})

    def fields(self) -> ComposeResult:
        yield from text_field("As of (the document's own date, YYYY-MM-DD; blank: unknown)", "as-of", self.as_of,
                              placeholder="YYYY-MM-DD")
        yield from area_field("Description (what the file shows)", "description", self.description, height=3)

    def values(self) -> dict:
        return {"as_of": self.text("as-of"), "description": self.text("description")}
