"""The version a screen or a command reads with a row, to hand back when it saves (store/versions.py):
a save over a row someone else changed since is refused with who changed it and when."""

from __future__ import annotations

from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.services.requests.triage import find_request
from fieldwork_tui.store import versions
from fieldwork_tui.store.handle import EngagementHandle


def exception_version(handle: EngagementHandle, exception_id: int) -> int:
    with handle.read() as s:
        return versions.version_of(s, "controlexception", exception_id).version


def control_version(handle: EngagementHandle, ref: str) -> int:
    with handle.read() as s:
        return versions.version_of(s, "control", find_control(s, ref).id).version


def response_version(handle: EngagementHandle, exception_id: int) -> int:
    """The version of the management response to an exception (0: none recorded yet)."""
    from sqlmodel import select

    from fieldwork_tui.store.models import ManagementResponse

    with handle.read() as s:
        rid = s.exec(select(ManagementResponse.id).where(ManagementResponse.exception_id == exception_id)).first()
        return versions.version_of(s, "managementresponse", rid).version


def note_version(handle: EngagementHandle, note_id: int) -> int:
    with handle.read() as s:
        return versions.version_of(s, "reviewnote", note_id).version


def request_version(handle: EngagementHandle, key: int | str) -> int:
    with handle.read() as s:
        return versions.version_of(s, "evidencerequest", find_request(s, key).id).version


def request_versions(handle: EngagementHandle, ids: list[int]) -> dict[int, int]:
    """The versions of many requests at once (a bulk change hands them back: all or nothing)."""
    with handle.read() as s:
        return versions.versions_of(s, "evidencerequest", ids)


def evidence_version(handle: EngagementHandle, evidence_id: int) -> int:
    with handle.read() as s:
        return versions.version_of(s, "evidencefile", evidence_id).version
