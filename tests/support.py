"""Helpers shared by every layer's tests (fixtures are in tests/conftest.py)."""

from __future__ import annotations

import os
from contextlib import contextmanager

DEMO_TODAY = "2026-11-20"
USER = "elena"


@contextmanager
def frozen_identity():
    """The frozen day and user of the autouse fixture, for session fixtures built before it applies."""
    old = {k: os.environ.get(k) for k in ("FIELDWORK_TODAY", "FIELDWORK_USER")}
    os.environ["FIELDWORK_TODAY"], os.environ["FIELDWORK_USER"] = DEMO_TODAY, USER
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
