"""Dialog: write a review note on the control or on one of its exceptions. Returns what `save`
returns ({"text": ..., "exception_id": int | None} without `save`), or None when cancelled."""

from __future__ import annotations

from textual.app import ComposeResult

from fieldwork_tui.tui.kit.forms import FormDialog, area_field, choice_field
from fieldwork_tui.tui.kit.safe_text import visible


class ReviewNoteDialog(FormDialog):
    SAVE_LABEL = "Add note"
    FIELD_NAMES = {"text": "text"}
    MAIN = "#text"

    def __init__(self, ref: str, exceptions: list[tuple[int, str]] = (), **kwargs) -> None:
        super().__init__(title=f"Review note on {ref}", **kwargs)
        self.ref = ref
        self.exceptions = list(exceptions)

    def fields(self) -> ComposeResult:
        options = [(f"Control {visible(self.ref)}", 0)] + [
            (visible(f"Exception #{i}: {label}")[:70], i) for i, label in self.exceptions]
        yield from choice_field("On", "target", options, 0)
        yield from area_field("Note", "text", placeholder="What should the preparer fix or explain?")

    def values(self) -> dict:
        text = self.required("text", "text: a review note needs text")
        return {"text": text, "exception_id": self.value("target") or None}


class AnswerNoteDialog(FormDialog):
    """The preparer's answer to a review note. `fetch` reads the note (with its version) when the form
    opens, and again on ctrl+r after a save was refused because someone changed the note meanwhile."""

    SAVE_LABEL = "Answer"
    FIELD_NAMES = {"response": "text"}
    MAIN = "#text"

    def __init__(self, note_id: int, asked: str = "", **kwargs) -> None:
        """`asked`: the note as its author wrote it ("sam: Which period?"), shown under the title."""
        super().__init__(title=f"Answer review note #{note_id}", subtitle=asked[:300], **kwargs)

    def fields(self) -> ComposeResult:
        yield from area_field("Answer (what was done, or why)", "text")

    def show(self, note) -> None:
        """`note`: the NoteView as it is now; the field gets its current answer (replacing the text)."""
        self.fill({"text": note.response})

    def values(self) -> str:
        return self.required("text", "response: the answer needs text")
