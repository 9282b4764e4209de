"""Pilot tests of the interview screens, driven with keys, asserting what was stored: live entry with
multi-line statements, saving over the version read (two windows), deletes that ask first, the
corroboration dialog (attach in place, resolve, raise an exception), the plan, people's roles and
the coached-answer review."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from fieldwork_tui.domain.vocab import Flag
from fieldwork_tui.services.controls.workpaper import control_records
from fieldwork_tui.services.evidence import coaching, interview_plan, interviews
from fieldwork_tui.store.models import EvidenceControl

from ..support import settle

SIZE = (130, 40)


async def until(pilot, predicate, tries: int = 80) -> None:
    """Let the app run (its autosave timer, workers) until `predicate()` holds; fail if it never does."""
    for _ in range(tries):
        await pilot.pause(0.05)  # the autosave timer runs in app time; settle waits for the save it starts
        await settle(pilot)
        if predicate():
            return
    raise AssertionError("condition never held")


async def paste(pilot, text: str) -> None:
    """What a terminal sends when the user pastes (bracketed paste): the app hands it to the focused widget."""
    from textual import events

    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def move_to(pilot, table, key) -> None:
    """Move the cursor of `table` to the row `key` with the arrow keys (the table must have focus)."""
    table.focus()
    await pilot.press("home")
    for _ in range(table.row_count):
        if table.cursor_key == key:
            return
        await pilot.press("down")
    assert table.cursor_key == key, f"no row {key!r}"


async def open_interview(pilot, name: str):
    await pilot.press("4")
    await settle(pilot)
    iv = next(i for i in interviews.list_interviews(pilot.app.handle) if i.person.name == name)
    await move_to(pilot, pilot.app.screen.query_one("#interviews-table"), iv.id)
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "InterviewEntryScreen"
    return iv


def texts(app, interview_id: int) -> list[str]:
    return [s.text for s in interviews.interview_detail(app.handle, interview_id).statements]


async def test_live_entry_with_multi_line_statements_and_sticky_controls(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Kenji Watanabe")  # a known person: role and title are filled in
        await pilot.pause()
        assert app.screen.query_one("#role").value == "engineering"
        assert app.screen.query_one("#title").value == "Staff Engineer"
        await pilot.press("tab", "tab", "tab", "tab", *"Deploy pipeline", "ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "InterviewEntryScreen"
        await pilot.press(*"Deploys need two approvals")  # no enter: the autosave keeps it
        await until(pilot, lambda: texts(app, screen.interview_id) == ["Deploys need two approvals"])
        await pilot.press("ctrl+l", *"cm-01 cm-02", "enter")  # links the statement being typed
        await settle(pilot)
        await pilot.press(*" in CI", "ctrl+j", *"and a green build", "enter", *"Rollbacks are automatic", "enter")
        await until(pilot, lambda: len(texts(app, screen.interview_id)) == 2)
        detail = interviews.interview_detail(app.handle, screen.interview_id)
        assert detail.person.label == "Kenji Watanabe (Engineering, Staff Engineer)" and detail.topic == "Deploy pipeline"
        assert [(s.text, s.controls) for s in detail.statements] == [
            ("Deploys need two approvals in CI\nand a green build", ("CM-01", "CM-02")),
            ("Rollbacks are automatic", ("CM-01", "CM-02")),  # the controls field is sticky
        ]
        # pasted notes keep their lines
        await paste(pilot, "First point\nsecond point")
        await pilot.press("enter")
        await until(pilot, lambda: texts(app, screen.interview_id)[-1:] == ["First point\nsecond point"])
        # edit the first statement from the table
        await pilot.press("ctrl+t", "home", "e", *" (checked)", "enter")
        await until(pilot, lambda: texts(app, screen.interview_id)[0].endswith("green build (checked)"))


async def test_a_second_window_never_loses_or_overwrites_typed_text(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        iv = await open_interview(pilot, "Sofia Lindqvist")
        screen = app.screen
        await pilot.press(*"The admin role is reviewed")
        await until(pilot, lambda: "The admin role is reviewed" in texts(app, iv.id))
        mine = next(s for s in interviews.interview_detail(app.handle, iv.id).statements
                    if s.text == "The admin role is reviewed")
        # window B edits the same statement
        interviews.save_statement_text(app.handle, mine.id, "Edited in window B", mine.version)
        await pilot.press(*" every quarter")
        await until(pilot, lambda: "The admin role is reviewed every quarter" in texts(app, iv.id))
        assert "Edited in window B" in texts(app, iv.id)  # B's words stay as B left them
        assert any("changed in another window" in n.message for n in app._notifications)
        # window B deletes the statement A is typing: A's words come back as a new statement
        kept = next(s for s in interviews.interview_detail(app.handle, iv.id).statements
                    if s.text == "The admin role is reviewed every quarter")
        interviews.delete_statement(app.handle, kept.id)
        await pilot.press(*" by Sofia")
        await until(pilot, lambda: "The admin role is reviewed every quarter by Sofia" in texts(app, iv.id))
        new = next(s for s in interviews.interview_detail(app.handle, iv.id).statements
                   if s.text.endswith("by Sofia"))
        assert new.id > kept.id  # the deleted id is never reused
        assert screen.draft.statement_id == new.id


async def test_delete_asks_first(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        iv = await open_interview(pilot, "Sofia Lindqvist")
        before = texts(app, iv.id)
        await pilot.press("ctrl+t", "home", "d")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("n")
        await settle(pilot)
        assert texts(app, iv.id) == before
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert texts(app, iv.id) == before[1:]


async def test_corroborate_with_a_file_attached_in_place(engagement, tmp_path: Path) -> None:
    from fieldwork_tui.services.controls import add_control
    from fieldwork_tui.tui.app import FieldworkApp

    add_control(engagement, "AC-01", "Quarterly user access review", criteria=["CC6.1"])
    iv = interviews.create_interview(engagement, "Diego", role="it_administration")
    st = interviews.add_statement(engagement, iv.id, "Every quarter managers confirm access.", "AC-01")
    review = tmp_path / "q3-review.pdf"
    review.write_bytes(b"%PDF signed review")
    app = FieldworkApp(handle=engagement)
    app.attach_folder = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await open_interview(pilot, "Diego")
        await pilot.press("ctrl+t", "home", "c")
        await settle(pilot)
        dialog = app.screen
        assert type(dialog).__name__ == "CorroborationDialog"
        assert "No evidence file in the vault yet" in str(dialog.query_one("#files-hint").render())
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert type(app.screen).__name__ == "AttachFileDialog"
        await paste(pilot, str(review))
        await pilot.press("ctrl+s")  # the kit: enter goes on to the as-of date, ctrl+s attaches
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one("#evidence").value is not None
        dialog.query_one("#state").value = "corroborated"
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = interviews.get_statement(engagement, st.id)
        assert row.corroboration == "corroborated" and row.evidence_name == "q3-review.pdf"
        with engagement.read() as s:  # the file is the control's inspection evidence too
            assert s.exec(select(EvidenceControl).where(EvidenceControl.evidence_id == row.evidence_id)).first()


async def test_an_open_contradiction_is_resolved_only_with_later_evidence(demo_app, tmp_path: Path) -> None:
    app = demo_app
    app.attach_folder = tmp_path
    certs = tmp_path / "certificates-ll-1044-1051.pdf"
    certs.write_bytes(b"%PDF certificates")
    async with app.run_test(size=SIZE) as pilot:
        iv = await open_interview(pilot, "Diego Alvarez")
        detail = interviews.interview_detail(app.handle, iv.id)
        index = next(i for i, s in enumerate(detail.statements) if s.red_flag)
        await pilot.press("ctrl+t", "home", *["down"] * index, "c")
        await settle(pilot)
        dialog = app.screen
        assert "contradicted by certificates-of-destruction-fy26.csv" in str(dialog.query_one("#contradiction").render())
        assert dialog.query_one("#state").value == "resolve"
        await pilot.press("ctrl+s")  # no later evidence chosen: refused, the dialog stays
        await settle(pilot)
        assert app.screen is dialog and "evidence:" in str(dialog.query_one("#form-error").render())
        await pilot.press("ctrl+f")
        await settle(pilot)
        await paste(pilot, str(certs))
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog.query_one("#note").load_text("Certificates for both laptops received on 2 Nov")
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = next(s for s in interviews.interview_detail(app.handle, iv.id).statements if s.id == detail.statements[index].id)
        assert row.contradiction.value == "resolved_by_evidence"
        assert "contradicted by certificates-of-destruction-fy26.csv" in row.describe()
        assert "resolved by certificates-ll-1044-1051.pdf" in row.describe()
        assert Flag.contradicted_inquiry not in control_records(app.handle, "AC-08").flags


async def test_raise_an_exception_from_the_dialog(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        iv = await open_interview(pilot, "Diego Alvarez")
        detail = interviews.interview_detail(app.handle, iv.id)
        index = next(i for i, s in enumerate(detail.statements) if s.red_flag)
        await pilot.press("ctrl+t", "home", *["down"] * index, "c")
        await settle(pilot)
        app.screen.query_one("#state").value = "exception"
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = interviews.get_statement(app.handle, detail.statements[index].id)
        assert row.contradiction.value == "exception_raised" and row.evidence.exception_id is not None


async def test_plan_roles_people_and_coached_review(demo_app) -> None:
    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("alt+2")
        await settle(pilot)
        await move_to(pilot, app.screen.query_one("#plan-table"), "AC-04")
        await pilot.press("r")
        await settle(pilot)
        assert type(app.screen).__name__ == "PlanRolesDialog"
        await pilot.press("ctrl+s")  # no reason: refused
        await settle(pilot)
        assert type(app.screen).__name__ == "PlanRolesDialog"
        app.screen.query_one("#roles").select("security_operations")
        app.screen.query_one("#reason").value = "MFA is run by the security team"
        await pilot.press("ctrl+s")
        await settle(pilot)
        ac04 = next(c for c in interview_plan.engagement_plan(app.handle).controls if c.ref == "AC-04")
        assert ac04.planned == ("it_administration", "security_operations") and ac04.adjusted
        # a person's role
        await pilot.press("alt+3")
        await settle(pilot)
        await move_to(pilot, app.screen.query_one("#people-table"), "Tomás Ferreira")
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one("#role").value = "executive"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert next(p for p in interviews.interviewees(app.handle) if p.name == "Tomás Ferreira").role == "executive"
        # the coached answer: side by side, dismissed with a reason
        assert Flag.possible_coached_answer in control_records(app.handle, "AC-03").flags
        await pilot.press("alt+4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "CoachedAnswerDialog"
        await pilot.press("ctrl+s")  # dismissing needs a reason
        await settle(pilot)
        assert type(app.screen).__name__ == "CoachedAnswerDialog"
        app.screen.query_one("#reason").load_text("Both read the offboarding runbook; the HRIS log agrees")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [signal] = coaching.coaching_signals(app.handle)
        assert signal.decision == "dismissed" and not signal.open
        assert Flag.possible_coached_answer not in control_records(app.handle, "AC-03").flags


async def test_inquiry_tab_names_role_and_the_contradicting_evidence(demo_app) -> None:
    from fieldwork_tui.tui.screens.control_detail import ControlDetailScreen

    app = demo_app
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(ControlDetailScreen("AC-08"))
        await settle(pilot)
        from fieldwork_tui.tui.widgets.virtual_table import VirtualTable

        table = app.screen.query_one("InquiryTab").query_one(VirtualTable)
        row = [str(c) for c in table.row_at(0).cells]
        assert row[1].startswith("Diego Alvarez (IT administration")
        assert row[3].startswith("contradicted by certificates-of-destruction-fy26.csv")


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_the_interviews_list_shows_who_in_which_role_and_red_flags_at_any_width(demo_app, size) -> None:
    """Regression: the "Red flags" column was cut off at 130 columns. At 130 every column shows; at
    80 the essential ones (date, interviewee, role, red flags) are on screen without scrolling."""
    app = demo_app
    async with app.run_test(size=size) as pilot:
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one("#interviews-table")
        shown = ["".join(seg.text for seg in table.render_line(y)) for y in range(table.row_count + 1)]
        assert "Red flags" in shown[0] and "Role · title" in shown[0]
        if size == SIZE:
            assert shown[0].rstrip().endswith("Statements")
        flagged = next(i for i in interviews.list_interviews(app.handle) if i.red_flags)
        line = shown[1 + next(n for n in range(table.row_count) if table.row_at(n).key == flagged.id)]
        assert flagged.person.name in line and f" {flagged.red_flags} " in f"{line} "


async def test_an_autosave_that_meets_a_held_write_lock_waits_says_so_and_keeps_every_word(
        engagement, monkeypatch) -> None:
    """Issue 14 item 6: another process holds the engagement's write lock when the autosave runs. The
    save waits in its worker and `#save-state` says so; what is typed meanwhile lands in the box; once
    the lock is free the statement is stored once, with every word. Synchronised on events: the keys
    are typed and the lock released from the autosave's own "waiting" callback."""
    from fieldwork_tui.store import db
    from fieldwork_tui.tui.app import FieldworkApp
    from fieldwork_tui.tui.kit import workers
    from fieldwork_tui.tui.screens import interview_entry
    from tests.support import LockHolder

    from ..kit.support import type_fast

    monkeypatch.setattr(db, "WRITE_LOCK_TRY_MS", 100)  # a try for the lock times out quickly: many waits
    monkeypatch.setattr(interview_entry, "AUTOSAVE_SECONDS", 3600)  # the test triggers the autosave itself
    iv = interviews.create_interview(engagement, "Diego", role="it_administration")
    first, more = "Access is reviewed", " every quarter by the IT manager"
    holder: LockHolder | None = None
    shown: list[str] = []
    in_box_while_waiting: list[str] = []
    real_run = workers.run

    def run(node, work, *, on_wait=None, **kw):
        if on_wait is None or kw.get("group") != "autosave":
            return real_run(node, work, on_wait=on_wait, **kw)

        def waiting(attempt: int) -> None:
            on_wait(attempt)  # the screen's own message first
            shown.append(str(node.query_one("#save-state").render()))
            box = node.query_one("#statement")
            if attempt == 1:
                assert box.text == first
                type_fast(node.app, *more)  # the auditor goes on typing while the save waits
            elif box.text == first + more:  # every key landed while the lock was still held
                in_box_while_waiting.append(box.text)
                holder.release()  # the other process commits
            elif attempt >= 200:  # the keys never landed: stop holding (the asserts below say so)
                holder.release()

        return real_run(node, work, on_wait=waiting, **kw)

    monkeypatch.setattr(workers, "run", run)
    app = FieldworkApp(handle=engagement)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_interview(pilot, "Diego")
            screen = app.screen
            await pilot.press(*first)
            await settle(pilot)
            assert texts(app, iv.id) == []  # nothing saved yet: the timer is off
            holder = LockHolder(engagement.db_path)
            screen.autosave()
            await settle(pilot)  # returns once the lock is released and every save has landed
            assert len(shown) >= 2, shown
            assert all("Waiting for the engagement (another process is writing, try" in s
                       and "your text is kept" in s for s in shown), shown
            assert in_box_while_waiting == [first + more]
            assert screen.query_one("#statement").text == first + more  # the box still holds every word
            assert str(screen.query_one("#save-state").render()) == "Saved."
            assert not screen._dirty_drafts()
    finally:
        if holder is not None:
            holder.release()
    statements = interviews.interview_detail(engagement, iv.id).statements
    assert [s.text for s in statements] == [first + more]  # stored once, with all the typed text
    assert not app._exception
