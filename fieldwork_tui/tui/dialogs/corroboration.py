"""Dialog: does evidence corroborate what was said?

For a statement that is not contradicted: uncorroborated / corroborated by an evidence file /
contradicted by one, with a note — a red flag. For an open contradiction: resolved by later evidence
(another file, and how it resolves it), raise an exception, or still contradicted (another file or
note). A contradiction that is closed is shown, not changed. `ctrl+f` attaches a new file right here
(file picker or a pasted path; copied in a worker) to the statement's controls and picks it; with no
file in the vault yet the dialog says so.

The dialog only collects the choice; `open_corroboration` wires it to the services (the save runs in
the form's worker) and is what the screens call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label, Select, Static

from fieldwork_tui.services import evidence as interviews
from fieldwork_tui.tui.dialogs.attach_file import AttachFileDialog
from fieldwork_tui.tui.kit import workers
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, area_field, choice_field
from fieldwork_tui.tui.kit.safe_text import safe_content, visible

OPEN_STATES = [("Uncorroborated (not yet checked against evidence)", "uncorroborated"),
               ("Corroborated by evidence", "corroborated"),
               ("Contradicted by evidence — a red flag", "contradicted")]
CONTRADICTED_STATES = [("Resolved by later evidence", "resolve"),
                       ("Raise an exception for it", "exception"),
                       ("Still contradicted (another file or note)", "contradicted")]
NO_FILES = ("No evidence file in the vault yet: press ctrl+f to attach the file that corroborates or "
            "contradicts this statement (pick it or paste its path), then choose it here.")


class CorroborationDialog(FormDialog[Any]):
    TITLE_TEXT = "Corroboration"
    WIDTH = 96
    FIELD_NAMES = {"resolve": "evidence", "corroborated": "evidence", "contradicted": "note",
                   "deviation": "note", "instance": "note"}
    BINDINGS = [
        Binding("ctrl+f", "attach", "Attach a file", id="corroboration.attach",
                tooltip="Attach a new file to the statement's controls and use it here"),
    ]
    DEFAULT_CSS = """
    CorroborationDialog #statement-text { color: $text-muted; padding-top: 1; }
    CorroborationDialog #contradiction { color: $error; padding-top: 1; }
    CorroborationDialog #files-hint { color: $warning; height: auto; }
    """

    def __init__(self, statement, choices: list, *, load_choices: Callable[[], list] | None = None,
                 attach: Callable[[], Any] | None = None, save: Callable[[dict], Any] | None = None) -> None:
        closed = statement.contradiction is not None and not statement.red_flag
        self.SAVE_LABEL = "Close" if closed else "Save"  # type: ignore[misc]
        super().__init__(save=None if closed else save)
        self.statement = statement
        self.choices = choices
        self.load_choices = load_choices
        self.attach_file = attach
        self.closed = closed
        self.contradicted = statement.red_flag

    # -- layout ---------------------------------------------------------------------------------------
    def fields(self) -> ComposeResult:
        st = self.statement
        yield Static(safe_content("\u201c" + st.text.strip() + "\u201d", keep_lines=True), id="statement-text")
        if st.corroboration == "contradicted":
            yield Static(safe_content(st.describe()), id="contradiction")
        if self.closed:
            return
        if self.contradicted:
            yield from choice_field("What ends the red flag", "state", CONTRADICTED_STATES, "resolve")
        else:
            yield from choice_field("State", "state", OPEN_STATES, st.corroboration)
        yield Label("Evidence file (ctrl+f attaches a new one)", classes="field-label")
        yield Select(self._options(), prompt="(choose the file)", allow_blank=True, value=self._initial(),
                     id="evidence")
        yield Static(NO_FILES if not self.choices else "", id="files-hint", markup=False)
        if self.contradicted and len(st.controls) > 1:
            yield from choice_field("Exception on control", "control", [(r, r) for r in st.controls], st.controls[0])
        label = ("Note (resolved: how the later evidence resolves it · exception: what happened)"
                 if self.contradicted else
                 "Note (required when contradicted: what the evidence shows instead)")
        yield from area_field(label, "note", "" if self.contradicted else st.note, height=3)

    def _options(self) -> list[tuple[str, int]]:
        skip = self.statement.evidence_id if self.contradicted else None
        return [(visible(c.label) + ("" if c.linked else "  (other control)"), c.id) for c in self.choices
                if c.id != skip]

    def _initial(self) -> Any:
        ids = {c.id for c in self.choices}
        if not self.contradicted and self.statement.evidence_id in ids:
            return self.statement.evidence_id
        return Select.NULL

    def hint(self) -> str:
        return "ctrl+s saves · ctrl+f attaches a file · esc cancels"

    # -- attach in place -------------------------------------------------------------------------------
    def action_attach(self) -> None:
        if self.closed or self.attach_file is None:
            return
        self.attach_file(self._attached)

    def _attached(self, evidence_id: int | None) -> None:
        if evidence_id is None or self.load_choices is None:
            return

        def show(choices: list) -> None:
            self.choices = choices
            select = self.query_one("#evidence", Select)
            select.set_options(self._options())
            select.value = evidence_id
            self.query_one("#files-hint", Static).update("")
            self.show_status("File attached and chosen.")

        workers.run(self, self.load_choices, done=show, group="choices")

    @on(Select.Changed, "#state")
    def _state_changed(self) -> None:
        self.show_error("")

    # -- result -------------------------------------------------------------------------------------------
    def values(self) -> dict:
        if self.closed:
            return {"state": "closed"}
        state = self.value("state")
        evidence = self.value("evidence")
        note = self.text("note")
        if state == "contradicted" and self.contradicted and evidence is None:
            evidence = self.statement.evidence_id  # the same file, another note
        if state in ("corroborated", "contradicted", "resolve") and evidence is None:
            raise FieldError("evidence", NO_FILES if not self.choices else
                             "evidence: choose the file (or ctrl+f to attach a new one)")
        if state == "contradicted" and not note and not (self.contradicted and self.statement.note):
            raise FieldError("note", "note: say what the evidence shows instead")
        if state == "resolve" and not note:
            raise FieldError("note", "note: say how the later evidence resolves the contradiction")
        control = self.value("control") if self.query("#control") else (
            self.statement.controls[0] if self.statement.controls else None)
        if state == "exception" and control is None:
            raise FieldError("state", "exception: the statement is linked to no control; link one first (l)")
        return {"state": state, "evidence_id": evidence, "note": note, "control": control}


def open_corroboration(node, statement, then: Callable[[bool], Any]) -> None:
    """Show the dialog for `statement` (a StatementRow) and save what the auditor chose."""
    handle = node.app.handle

    def load_choices() -> list:
        return interviews.statement_evidence_choices(handle, statement.id)

    def save(v: dict) -> bool:
        state = v["state"]
        if state == "resolve":
            interviews.resolve_contradiction(handle, statement.id, v["evidence_id"], v["note"])
        elif state == "exception":
            interviews.raise_statement_exception(handle, statement.id, v["control"], deviation=v["note"] or None)
        elif state == "contradicted" and statement.red_flag:
            interviews.set_corroboration(handle, statement.id, "contradicted", v["evidence_id"],
                                         v["note"] or statement.note)
        else:
            interviews.set_corroboration(handle, statement.id, state, v["evidence_id"], v["note"])
        return True

    def attach(done: Callable[[int | None], Any]) -> None:
        refs = " ".join(statement.controls) or "no control (kept in the vault)"
        attached: list[int] = []  # the new file's evidence id, for the corroboration that asked for it
        folders: list[Path] = []

        def attach_one(path, as_of, description, progress, cancel, update) -> int:
            attached.append(interviews.attach_for_statement(handle, statement.id, path, as_of=as_of,
                                                            description=description, progress=progress,
                                                            cancel=cancel, update=update))
            folders.append(Path(path).expanduser().parent)
            return 1

        def finished(count: int | None) -> None:
            if folders:
                node.app.attach_folder = folders[-1]  # the next picker opens here
            done(attached[-1] if count and attached else None)

        node.app.push_screen(AttachFileDialog(statement.controls[0] if statement.controls else "", attach_one,
                                              node.app.attach_folder,
                                              title=f"Attach evidence for this statement ({refs})"), finished)

    def opened(choices: list) -> None:
        node.app.push_screen(CorroborationDialog(statement, choices, load_choices=load_choices, attach=attach,
                                                 save=save), lambda result: then(bool(result)))

    workers.run(node, load_choices, done=opened, group="corroboration")
