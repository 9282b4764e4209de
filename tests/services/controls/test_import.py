"""Control matrix import: the quirks of firms' exports, all-or-nothing, re-import by ref."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from fieldwork_tui.domain.vocab import EvidenceType, Frequency, Nature
from fieldwork_tui.services.controls.catalog import import_controls, list_controls
from fieldwork_tui.services.errors import FieldworkError, InvalidInput

MATRIX = (
    "Lumen control matrix FY26\r\n"
    "Prepared by GRC\r\n"
    "\r\n"
    "Control ID,Control Activity,TSC Mapping,Frequency,Control Owner,Automated/Manual,Key Control\r\n"
    "AC-01,Quarterly user access reviews by the café team,CC6.1; CC6.2,Quarterly,José Núñez,Manual,Yes\r\n"
    "CM-01,Changes are peer reviewed,CC8.1,Multiple times per day,Dev Lead,Manual,No\r\n"
    "AV-02,Daily backups,\"A1.2, CC7.5\",Daily,SRE,Automated,Y\r\n"
    "OP-04,Incident response test,CC7.4 CC7.5,Annually,CISO,Manual,\r\n"
    "HR-02,Offboarding,cc6.2,As needed,HR,manual,no\r\n"
    "BK-01,Semi-annual restore,A1.3,Semi-annually,SRE,Manual,no\r\n"
    "MFA-1,MFA enforced,CC6.1,Continuous,IT,Automated,yes\r\n"
)


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_quirks(engagement, tmp_path, encoding):
    path = write(tmp_path, "matrix.csv", MATRIX, encoding)
    result = import_controls(engagement, path)
    assert (result.created, result.updated) == (7, 0)
    by_ref = {c.ref: c for c in list_controls(engagement)}
    ac = by_ref["AC-01"]
    assert ac.description == "Quarterly user access reviews by the café team"
    assert ac.criteria == ["CC6.1", "CC6.2"] and ac.frequency is Frequency.quarterly and ac.key
    assert ac.required_types == [EvidenceType.inquiry, EvidenceType.inspection, EvidenceType.reperformance]
    assert by_ref["CM-01"].frequency is Frequency.multiple_daily
    assert by_ref["AV-02"].criteria == ["A1.2", "CC7.5"] and by_ref["AV-02"].nature is Nature.automated
    assert by_ref["OP-04"].criteria == ["CC7.4", "CC7.5"] and by_ref["OP-04"].frequency is Frequency.annual
    assert by_ref["HR-02"].criteria == ["CC6.2"] and by_ref["HR-02"].frequency is Frequency.as_needed
    assert by_ref["BK-01"].frequency is Frequency.semiannual
    assert by_ref["MFA-1"].frequency is Frequency.continuous


def test_xlsx_with_aliases(engagement, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Acme — SOC 2 control matrix"])
    ws.append([])
    ws.append(["#", "Control Name", "Description", "Criteria", "Frequency", "Owner", "Type"])
    ws.append(["C-1", "Access review", "Managers review access", "CC6.1,CC6.3", "Quarterly", "Ana", "Manual"])
    ws.append([2, "Backups", "Nightly backups", "A1.2", "Daily", "Ops", "Automated"])
    path = tmp_path / "matrix.xlsx"
    wb.save(path)
    import_controls(engagement, path)
    refs = {c.ref: c for c in list_controls(engagement)}
    assert set(refs) == {"C-1", "2"}
    assert refs["C-1"].title == "Access review" and refs["C-1"].criteria == ["CC6.1", "CC6.3"]


def test_reimport_updates_by_ref(engagement, tmp_path):
    import_controls(engagement, write(tmp_path, "m.csv", MATRIX))
    changed = MATRIX.replace("Changes are peer reviewed", "Changes are peer reviewed and approved")
    result = import_controls(engagement, write(tmp_path, "m2.csv", changed))
    assert (result.created, result.updated) == (0, 7)
    cm = [c for c in list_controls(engagement) if c.ref == "CM-01"][0]
    assert cm.description == "Changes are peer reviewed and approved"
    assert len(list_controls(engagement)) == 7


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (("CC8.1,Multiple", "CC9.9,Multiple"), r"row 6, column 'TSC Mapping'.*CC9\.9"),
        (("Multiple times per day", "Fortnightly-ish"), r"row 6, column 'Frequency'.*Fortnightly"),
        (("HR-02,", ",",), r"row 9, column 'Control ID'.*empty"),
        (("CM-01,Changes", "AC-01,Changes"), r"row 6.*'AC-01' appears twice"),
        ((",Manual,No", ",Robotic,No"), r"row 6, column 'Automated/Manual'"),
    ],
)
def test_errors_name_row_and_column_and_import_nothing(engagement, tmp_path, bad, expected):
    path = write(tmp_path, "bad.csv", MATRIX.replace(*bad, 1))
    with pytest.raises(InvalidInput, match=expected):
        import_controls(engagement, path)
    assert list_controls(engagement) == []


def test_missing_ref_column(engagement, tmp_path):
    path = write(tmp_path, "bad.csv", "Name,Description\nX,Y\n")
    with pytest.raises(InvalidInput, match="no header row found|missing column"):
        import_controls(engagement, path)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary\xff" * 50, b"PK\x03\x04truncated zip"])
def test_empty_binary_truncated(engagement, tmp_path, content):
    path = tmp_path / ("f.xlsx" if content.startswith(b"PK") else "f.csv")
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        import_controls(engagement, path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file_and_folder(engagement, tmp_path):
    with pytest.raises(InvalidInput, match="file not found"):
        import_controls(engagement, tmp_path / "nope.csv")
    with pytest.raises(InvalidInput, match="is a folder"):
        import_controls(engagement, tmp_path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8")))
def test_fuzz_never_half_imports(engagement, tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"Control ID,Description,TSC\n" + data)
    before = len(list_controls(engagement))
    try:
        import_controls(engagement, path)
    except FieldworkError as exc:
        assert "\n" not in str(exc)
        assert len(list_controls(engagement)) == before
