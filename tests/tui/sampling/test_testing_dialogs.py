"""The attribute-testing dialogs on their own (tiny app): keys fill them, rules are checked as typed
with the position of a problem, values come back as the services take them."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Static

from fieldwork_tui.domain.attributes import AttributeSpec
from fieldwork_tui.tui.dialogs.testing import (
    ExtractForm,
    PassBasisForm,
    SingleTestForm,
    TestStepsForm,
    rule_status,
)

COLUMNS = ["Change ID", "Deployed", "Approved", "Approver", "Author", "Tested"]


class Host(App):
    def __init__(self, dialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.result = "not closed"

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._on_result)

    def _on_result(self, value) -> None:
        self.result = value


def test_rule_status_names_the_columns_or_the_position():
    assert rule_status("Approved <= Deployed", COLUMNS) == "✓ reads Approved, Deployed"
    assert rule_status("Approved <= Deploy", COLUMNS).startswith("✗ position 13: no column 'Deploy'")
    assert rule_status("", COLUMNS) == "no rule: a person tests every item"
    assert rule_status("a !! b", None).startswith("✗ position 3:")


async def test_the_steps_form_checks_rules_as_they_are_typed_and_returns_the_attributes():
    form = TestStepsForm("CM-01", "", [AttributeSpec("A", "Approved before deployment", "", "")], COLUMNS)
    app = Host(form)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause()
        await pilot.press(*"Changes are approved")
        await pilot.press("tab", "tab", *"the change was deployed before it was approved", "tab", *"Approved <= Deploy")
        await pilot.pause()
        status = form.query_one("#rule-status-0", Static)
        assert "position 13: no column 'Deploy'" in str(status.render())
        assert "Approved <= Deploy\n            ^" in str(status.render())  # a caret under the problem
        await pilot.press("ctrl+s")  # refused, the form stays open on the rule
        await pilot.pause()
        assert app.result == "not closed" and form.focused.id == "rule-0"
        await pilot.press(*"ed")
        await pilot.pause()
        assert "✓ reads Approved, Deployed" in str(status.render())
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"Approver is not the author", "tab", "tab", *"Approver != Author", "ctrl+s")
        await pilot.pause()
    assert app.result == {"objective": "Changes are approved", "drop_results": False, "attributes": [
        AttributeSpec("A", "Approved before deployment", "the change was deployed before it was approved",
                      "Approved <= Deployed"),
        AttributeSpec("B", "Approver is not the author", "", "Approver != Author")]}


async def test_removing_an_attribute_keeps_the_other_letters():
    form = TestStepsForm("CM-01", "o", [AttributeSpec("A", "one"), AttributeSpec("B", "two"), AttributeSpec("C", "three")],
                         None)
    app = Host(form)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause()
        form.set_focus(form.query_one("#description-1", Input))
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert [(a.letter, a.description) for a in app.result["attributes"]] == [("A", "one"), ("C", "three")]


async def test_the_extract_form_needs_source_and_query():
    form = ExtractForm("CM-01", 412, client_count=412)
    app = Host(form)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.focused.id == "source-system" and app.result == "not closed"
        await pilot.press(*"GitHub deployments API", "enter", *"repo = ledger, environment = production", "ctrl+s")
        await pilot.pause()
    assert app.result == {"source_system": "GitHub deployments API", "query": "repo = ledger, environment = production",
                          "client_count": 412, "note": ""}


async def test_the_basis_form_offers_the_extract_and_the_evidence():
    form = PassBasisForm("CHG-2417 · A", [(4, "#4 PR-2417.pdf")])
    app = Host(form)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.result == {"evidence_id": None, "seen_in_extract": True}


async def test_the_test_of_one_form_asks_for_the_itgc_reliance():
    form = SingleTestForm("IT-07", "test_of_one", "Automated control: a test of one", None, [], "2026-11-20")
    app = Host(form)
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.pause()
        await pilot.press(*"RDS production", "enter", "enter", *"Inspected the parameter group", "tab",
                          *"backup_retention=35", "tab", *"CM-01, ac-04", "enter", *"tested effective", "ctrl+s")
        await pilot.pause()
    assert app.result == {"instance": "RDS production", "performed_on": "2026-11-20",
                          "description": "Inspected the parameter group", "result": "untested", "evidence_ids": [],
                          "configuration": "backup_retention=35", "itgc_refs": ["CM-01", "ac-04"],
                          "itgc_basis": "tested effective"}
