"""Fixtures of the reliability suite."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def vault_files(demo) -> dict[str, bytes]:
    """A few evidence files attached to the demo (stored by the vault, each with its evidence record):
    {path relative to the engagement folder: content}."""
    from ..services.support import attach_file

    files = {}
    for i, data in enumerate([b"user access review Q1\n", b"\x00\x01binary\xff" * 1000, b""]):
        content = data + bytes([i])
        ef = attach_file(demo, "AC-01", f"evidence-{i}.bin", content)
        p = demo.vault_path / ef.sha256[:2] / ef.sha256
        files[p.relative_to(demo.root).as_posix()] = content
    return files


@pytest.fixture
def tiny_fs(tmp_path: Path):
    """A 2 MB tmpfs to run out of disk on; skipped where mounting is not allowed (not root, containers)."""
    import shutil
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if not shutil.which("mount"):
        pytest.skip("mount not available")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the monkeypatched ENOSPC tests still run")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
