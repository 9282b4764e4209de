"""Control matrices as firms send them (issue 22) and the red-team's re-import and look-alike refs
(issue 14 items 1 and 3). The fixture files are written here, not copied from anywhere."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from fieldwork_tui.domain.vocab import Frequency, Nature
from fieldwork_tui.services.controls.catalog import import_controls, list_controls
from fieldwork_tui.services.errors import InvalidInput

MATRIX = (
    "Control ID,Control Activity,TSC Mapping,Frequency,Control Owner,Automated/Manual,Key Control\n"
    "AC-01,Quarterly user access reviews,CC6.1; CC6.2,Quarterly,Ana Silva,Manual,Yes\n"
    "CM-01,Changes are peer reviewed,CC8.1,Multiple times per day,Dev Lead,Manual,No\n"
)

#: The headers of issue 22's 26-control matrix (snake_case, a control_type of Entity-Level etc.).
FIRM = (
    "control_id,tsc_category,tsc_ref,control_title,control_description,control_type,frequency,control_owner,"
    "testing_method\n"
    "CC1-01,Security,CC1.1,Code of conduct,Staff acknowledge the code yearly,Entity-Level,Annually,HR,"
    "Inspect acknowledgements for a sample of hires\n"
    "CC6-01,Security,CC6.1;CC6.2,Access review,Managers review access quarterly,Preventive,Quarterly,IT,"
    "Reperform the review for two quarters\n"
    "CC7-02,Security,CC7.2,Monitoring,The SOC monitors alerts around the clock,Detective,Continuous,SecOps,"
    "Observe the console; inspect tickets\n"
    "A1-02,Availability,A1.2,Backups,Nightly backups are taken,Corrective,Daily,SRE,Inspect the backup log\n"
)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def by_ref(engagement):
    return {c.ref: c for c in list_controls(engagement)}


# --- issue 14 item 1: a partial re-import changes only the columns present ---------------------------

def test_partial_reimport_changes_only_the_columns_present_and_says_what_changed(engagement, tmp_path):
    import_controls(engagement, write(tmp_path, "full.csv", MATRIX))
    before = by_ref(engagement)["AC-01"]
    result = import_controls(engagement, write(tmp_path, "titles.csv",
                                               "Control ID,Title\nAC-01,User access review\nCM-01,\n"))
    after = by_ref(engagement)
    ac = after["AC-01"]
    assert ac.title == "User access review"
    assert (ac.description, ac.criteria, ac.frequency, ac.key, ac.owner_id, ac.nature) == (
        before.description, before.criteria, before.frequency, before.key, before.owner_id, before.nature)
    assert after["CM-01"].description == "Changes are peer reviewed" and after["CM-01"].owner_id is not None
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert result.plan.changes == ("AC-01: title Quarterly user access reviews → User access review",)
    assert "1 updated" in result.describe()


def test_reimport_reports_each_changed_field(engagement, tmp_path):
    import_controls(engagement, write(tmp_path, "full.csv", MATRIX))
    changed = MATRIX.replace("Ana Silva,Manual,Yes", "Bo Chen,Manual,No")
    result = import_controls(engagement, write(tmp_path, "again.csv", changed))
    assert result.plan.changes == ("AC-01: key yes → no; owner Ana Silva → Bo Chen",)


# --- issue 14 item 3: look-alike refs ----------------------------------------------------------------

def test_fullwidth_and_non_breaking_hyphen_fold_to_the_ascii_ref(engagement, tmp_path):
    path = write(tmp_path, "m.csv", "Control ID,Title\n\uff21\uff23\uff0d\uff10\uff11,Fullwidth\n")
    import_controls(engagement, path)
    assert list(by_ref(engagement)) == ["AC-01"]
    path = write(tmp_path, "m2.csv", "Control ID,Title\nAC\u201101,Same control\n")
    result = import_controls(engagement, path)
    assert (result.created, result.updated) == (0, 1) and list(by_ref(engagement)) == ["AC-01"]


def test_lookalike_refs_are_refused_naming_row_and_character_all_at_once(engagement, tmp_path):
    text = ("Control ID,Title\n"
            "AC-01,Latin\n"
            "\u0410C-01,Cyrillic A\n"
            "AC\u200b-01,Zero-width space\n"
            "AC-01\u00ad,Soft hyphen\n"
            "\uff21C\u201101,Same after folding\n")
    with pytest.raises(InvalidInput) as info:
        import_controls(engagement, write(tmp_path, "m.csv", text))
    msg = str(info.value)
    assert "4 problems, nothing imported" in msg and "\n" not in msg
    assert "row 3, column 'Control ID': letters of mixed scripts (CYRILLIC, LATIN): U+0410 CYRILLIC CAPITAL LETTER A" in msg
    assert "row 4, column 'Control ID': invisible or control character U+200B ZERO WIDTH SPACE" in msg
    assert "row 5, column 'Control ID': invisible or control character U+00AD SOFT HYPHEN" in msg
    assert "row 6, column 'Control ID': control 'AC-01' appears twice (also row 2)" in msg
    assert list_controls(engagement) == []


# --- issue 22: every error at once -------------------------------------------------------------------

def test_every_invalid_criterion_is_reported_in_one_run(engagement, tmp_path):
    text = ("Control ID,Title,TSC\n"
            "C-1,One,C1.3\n"
            "C-2,Two,CC6.1\n"
            "C-3,Three,C2.1; C2.2\n"
            "C-4,Four,CC9.9\n")
    with pytest.raises(InvalidInput) as info:
        import_controls(engagement, write(tmp_path, "m.csv", text))
    msg = str(info.value)
    assert msg.startswith(f"{tmp_path / 'm.csv'}: 3 problems, nothing imported: ")
    for part in ("row 2, column 'TSC': unknown criteria C1.3", "row 4, column 'TSC': unknown criteria C2.1, C2.2",
                 "row 5, column 'TSC': unknown criteria CC9.9"):
        assert part in msg
    assert list_controls(engagement) == []


def test_many_errors_are_capped_with_a_count(engagement, tmp_path):
    rows = "".join(f"C-{i},T,ZZ{i}.1\n" for i in range(30))
    with pytest.raises(InvalidInput) as info:
        import_controls(engagement, write(tmp_path, "m.csv", "Control ID,Title,TSC\n" + rows))
    msg = str(info.value)
    assert "30 problems, nothing imported" in msg and msg.endswith("; and 18 more")
    assert msg.count("unknown criteria") == 12


# --- issue 22: faithful column meanings, nothing dropped ---------------------------------------------

def test_the_firm_matrix_imports_with_control_type_and_every_column_kept(engagement, tmp_path):
    result = import_controls(engagement, write(tmp_path, "firm.csv", FIRM))
    controls = by_ref(engagement)
    assert result.created == 4
    assert controls["CC1-01"].control_type == "entity_level" and controls["CC6-01"].control_type == "preventive"
    assert controls["CC7-02"].control_type == "detective" and controls["A1-02"].control_type == "corrective"
    # no nature column: the continuous control is proposed automated, and the summary says so
    assert controls["CC7-02"].nature is Nature.automated and controls["CC6-01"].nature is Nature.manual
    notes = " ".join(result.plan.notes)
    assert "1 continuous control(s) proposed as automated because the file has no nature column: CC7-02" in notes
    # testing_method and tsc_category are kept, and named in the summary
    assert controls["CC6-01"].extra_fields == {"testing_method": "Reperform the review for two quarters",
                                               "tsc_category": "Security"}
    assert "'testing_method'" in notes and "test procedures ('testing_method') are kept as text" in notes
    uses = {c.column: c.use for c in result.plan.mapping}
    assert uses["control_type"] == "control type" and uses["testing_method"].startswith("extra field")
    assert uses["tsc_ref"] == "criteria" and uses["control_id"] == "ref"


def test_a_nature_column_means_continuous_is_not_proposed_automated(engagement, tmp_path):
    text = "Control ID,Title,Frequency,Nature,Control Type\nM-1,Ongoing monitoring,Continuous,Manual,Detective\n"
    result = import_controls(engagement, write(tmp_path, "m.csv", text))
    c = by_ref(engagement)["M-1"]
    assert c.nature is Nature.manual and c.control_type == "detective" and c.frequency is Frequency.continuous
    assert not any("proposed as automated" in n for n in result.plan.notes)


def test_a_type_column_is_read_by_its_values(engagement, tmp_path):
    import_controls(engagement, write(tmp_path, "n.csv", "Ref,Title,Type\nA,One,Automated\nB,Two,Manual\n"))
    controls = by_ref(engagement)
    assert controls["A"].nature is Nature.automated and controls["A"].control_type == ""
    assert controls["B"].nature is Nature.manual
    import_controls(engagement, write(tmp_path, "t.csv", "Ref,Type\nA,Manual / Preventive\nB,Detective\n"))
    controls = by_ref(engagement)
    assert (controls["A"].nature, controls["A"].control_type) == (Nature.manual, "preventive")
    assert (controls["B"].nature, controls["B"].control_type) == (Nature.manual, "detective")


def test_a_control_type_in_the_nature_column_is_explained(engagement, tmp_path):
    with pytest.raises(InvalidInput, match=r"row 2, column 'Nature': expected Manual or Automated, got "
                                           r"'Entity-Level' \(that is a control type"):
        import_controls(engagement, write(tmp_path, "m.csv", "Ref,Title,Nature\nA,One,Entity-Level\n"))


def test_tsc_category_is_cross_checked_with_the_criteria(engagement, tmp_path):
    text = "Ref,Title,TSC,TSC Category\nA,One,A1.2,Security\nB,Two,CC6.1,Security\nC,Three,CC6.1,Colour\n"
    with pytest.raises(InvalidInput) as info:
        import_controls(engagement, write(tmp_path, "m.csv", text))
    msg = str(info.value)
    assert "2 problems" in msg
    assert "row 2, column 'TSC Category': category 'Security' but the criteria A1.2 belong to another category" in msg
    assert "row 4, column 'TSC Category': unknown TSC category 'Colour'" in msg


def test_extra_fields_survive_a_reimport_without_their_column(engagement, tmp_path):
    import_controls(engagement, write(tmp_path, "a.csv", "Ref,Title,System,Notes\nA,One,Okta,first\n"))
    result = import_controls(engagement, write(tmp_path, "b.csv", "Ref,Title,Notes\nA,One,second\n"))
    assert by_ref(engagement)["A"].extra_fields == {"System": "Okta", "Notes": "second"}
    assert result.plan.changes == ("A: Notes first → second",)


# --- sheets (issue 14 item 14) -----------------------------------------------------------------------

def _workbook(path, sheets):
    wb = Workbook()
    wb.remove(wb.active)
    for name, state, rows in sheets:
        ws = wb.create_sheet(name)
        ws.sheet_state = state
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


CONTROLS_ROWS = [["Control ID", "Title"], ["V-1", "Visible"]]
HIDDEN_ROWS = [["Control ID", "Title"], ["H-1", "Hidden"]]


def test_a_hidden_first_sheet_is_skipped(engagement, tmp_path):
    path = _workbook(tmp_path / "m.xlsx", [("Old", "hidden", HIDDEN_ROWS), ("Controls", "visible", CONTROLS_ROWS)])
    result = import_controls(engagement, path)
    assert list(by_ref(engagement)) == ["V-1"]
    assert result.plan.source == f"{path} [sheet 'Controls']"
    assert "hidden sheets skipped: 'Old'" in result.plan.notes


def test_the_header_is_found_on_the_third_sheet(engagement, tmp_path):
    path = _workbook(tmp_path / "m.xlsx", [("Cover", "visible", [["Acme SOC 2"], ["FY26"]]),
                                           ("Instructions", "visible", [["Fill in every row"]]),
                                           ("Matrix", "visible", [["Prepared by GRC"], *CONTROLS_ROWS])])
    import_controls(engagement, path)
    assert list(by_ref(engagement)) == ["V-1"]


def test_messages_name_the_sheet(engagement, tmp_path):
    path = _workbook(tmp_path / "m.xlsx", [("Matrix", "visible", [["Control ID", "Title", "TSC"], ["A", "x", "Q9"]])])
    with pytest.raises(InvalidInput, match=r"m\.xlsx \[sheet 'Matrix'\]: 1 problem, nothing imported: row 2, "
                                           r"column 'TSC'"):
        import_controls(engagement, path)
    empty = _workbook(tmp_path / "e.xlsx", [("A", "visible", [["x"]]), ("B", "visible", [["y"]]),
                                            ("C", "hidden", HIDDEN_ROWS)])
    with pytest.raises(InvalidInput, match=r"no header row found .* in sheets 'A', 'B'; hidden sheets skipped: 'C'"):
        import_controls(engagement, empty)


def test_sheet_picks_one_by_name(engagement, tmp_path):
    path = _workbook(tmp_path / "m.xlsx", [("Controls", "visible", CONTROLS_ROWS), ("Old", "hidden", HIDDEN_ROWS)])
    import_controls(engagement, path, sheet="Old")
    assert list(by_ref(engagement)) == ["H-1"]
    with pytest.raises(InvalidInput, match=r"no sheet named 'Nope' \(the workbook has 'Controls', 'Old'\)"):
        import_controls(engagement, path, sheet="Nope")
    with pytest.raises(InvalidInput, match="a CSV file has no sheets"):
        import_controls(engagement, write(tmp_path, "m.csv", MATRIX), sheet="Controls")


# --- --dry-run (one mechanism) -----------------------------------------------------------------------

def test_dry_run_reports_the_plan_and_writes_nothing(engagement, tmp_path):
    from fieldwork_tui.store.models import JournalEntry

    import_controls(engagement, write(tmp_path, "full.csv", MATRIX))
    with engagement.read() as s:
        journal_before = len(s.exec(__import__("sqlmodel").select(JournalEntry)).all())
    before = {r: (c.title, c.owner_id) for r, c in by_ref(engagement).items()}
    result = import_controls(engagement, write(tmp_path, "t.csv", "Control ID,Title,Owner\nAC-01,New title,Zoe\n"
                                                                  "ZZ-9,Brand new,Zoe\n"), dry_run=True)
    assert result.plan.dry_run and result.plan.lines()[0].startswith("dry run, nothing written: 2 controls would")
    assert result.plan.changes == ("AC-01: title Quarterly user access reviews → New title; owner Ana Silva → Zoe",
                                   "ZZ-9: new control")
    assert {r: (c.title, c.owner_id) for r, c in by_ref(engagement).items()} == before
    with engagement.read() as s:
        assert len(s.exec(__import__("sqlmodel").select(JournalEntry)).all()) == journal_before
