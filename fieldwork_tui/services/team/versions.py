"""The version a screen or a command reads with a row, to hand back when it saves (store/versions.py):
a save over a row someone else changed since is refused with who changed it and when."""

from __future__ import annotations

from fieldwork_tui.services.controls.catalog import find_control
from fieldwork_tui.store import versions
from fieldwork_tui.store.handle import EngagementHandle


def exception_version(handle: EngagementHandle, exception_id: int) -> int:
    with handle.read() as s:
        return versions.version_of(s, "controlexception", exception_id).version


def control_version(handle: EngagementHandle, ref: str) -> int:
    with handle.read() as s:
        return versions.version_of(s, "control", find_control(s, ref).id).version
