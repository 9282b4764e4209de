"""Helpers shared by every layer's tests (fixtures are in tests/conftest.py)."""

from __future__ import annotations

import os
from contextlib import contextmanager

DEMO_TODAY = "2026-11-20"
USER = "elena"


#: Inside the demo template's home: the config dir it was built with (the demo signers' trust list).
DEMO_CONFIG = ".demo-config"


@contextmanager
def frozen_identity(config=None):
    """The frozen day and user of the autouse fixture, for session fixtures built before it applies;
    `config` is the config dir (signing keys, trust list) they see — never the real one."""
    old = {k: os.environ.get(k) for k in ("FIELDWORK_TODAY", "FIELDWORK_USER", "FIELDWORK_CONFIG")}
    os.environ["FIELDWORK_TODAY"], os.environ["FIELDWORK_USER"] = DEMO_TODAY, USER
    if config is not None:
        os.environ["FIELDWORK_CONFIG"] = str(config)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
