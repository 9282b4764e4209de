"""Anchors: signed journal heads kept where someone rewriting the engagement folder cannot reach.

The sign-offs and the public keys live in the same database an attacker with a copy of the files can
rewrite end to end (rows, hashes and the whole journal chain). So every signed sign-off and every
export also appends its signed statement (`domain/statements.py`: journal head, entry count, signer)
to an anchors record outside the engagement folder — one JSON line per anchor, in
`<fieldwork home>/.anchors/<engagement id>.jsonl` — and an export copies the record into the bundle
(`anchors.jsonl`). A chain that no longer contains an anchored head was rewritten after that head
reached someone else.

Line format: {"kind": "signoff"|"export", "statement": "<canonical statement JSON>",
"signature": "<armored SSHSIG>"}. This module parses lines and judges them against a chain; the files
are `services/anchors.py`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fieldwork_tui.domain import signatures as sig
from fieldwork_tui.domain import statements

KINDS = {"signoff": statements.SIGNOFF, "export": statements.EXPORT}


@dataclass(frozen=True)
class Anchor:
    line: int
    kind: str
    statement_text: str
    signature: str
    statement: Mapping[str, Any]
    folder: str = ""

    @property
    def head(self) -> str:
        return str(self.statement.get("journal_head", ""))

    @property
    def entries(self) -> int:
        value = self.statement.get("journal_entries")
        return value if isinstance(value, int) else 0

    @property
    def engagement(self) -> str:
        return str(self.statement.get("engagement", ""))

    def describe(self) -> str:
        what = (f"sign-off of {self.statement.get('control')} as {self.statement.get('role')}"
                if self.kind == "signoff" else "export")
        return (f"{what} by {self.statement.get('signer')} ({self.statement.get('fingerprint')}) at "
                f"{self.statement.get('signed_at')}")


def anchor_line(kind: str, statement_text: str, signature: str, folder: str = "") -> str:
    """One anchors-record line. `folder` (the engagement folder's name, unsigned) lets `check` find the
    record again if someone changes the engagement's id in the database."""
    if kind not in KINDS:
        raise ValueError(f"unknown anchor kind {kind!r}")
    data = {"kind": kind, "statement": statement_text, "signature": signature}
    if folder:
        data["folder"] = folder
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_anchors(lines: Iterable[str], where: str = "anchors") -> tuple[list[Anchor], list[str]]:
    """(anchors, problems): a line that is not an anchor is a problem, never silently skipped —
    except a torn last line (a crash while appending), which is reported as such."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    for n, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
            kind, st_text, signature = data["kind"], data["statement"], data["signature"]
            if kind not in KINDS or not isinstance(st_text, str) or not isinstance(signature, str):
                raise ValueError
            st = statements.parse_statement(st_text)
            if st.get("type") != KINDS[kind]:
                raise ValueError
        except (ValueError, KeyError, TypeError, sig.SignatureError):
            problems.append(f"{where} line {n}: not a fieldwork anchor (damaged or edited)")
            continue
        folder = data.get("folder") if isinstance(data.get("folder"), str) else ""
        anchors.append(Anchor(n, kind, st_text, signature, st, folder))
    return anchors, problems


def judge(anchors: Iterable[Anchor], chain_hashes: Container[str], *, engagement: str,
          trusted: Callable[[str], bool], where: str = "anchors") -> list[str]:
    """Problems with the anchors of `engagement` against the chain's entry hashes: a signature that
    does not verify, a key that is not trusted, and an anchored head the chain no longer contains."""
    out: list[str] = []
    for a in anchors:
        if a.engagement != engagement:
            continue
        verdict = statements.verify_statement(a.statement_text, a.signature)
        label = f"{where} line {a.line} ({a.describe()})"
        if not verdict.valid:
            out.append(f"{label}: {verdict.reason}")
            continue
        if not trusted(verdict.fingerprint):
            out.append(f"{label}: signed by {verdict.fingerprint}, a key not in your trust list "
                       "(fieldwork keys trust PUBFILE after comparing its fingerprint)")
        if a.head not in chain_hashes:
            out.append(f"{label}: the journal no longer contains the head it anchored (entry {a.entries}, "
                       f"{a.head[:12]}…) — the journal was rewritten after this was signed")
    return out
