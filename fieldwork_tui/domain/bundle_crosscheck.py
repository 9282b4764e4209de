"""Every place a bundle names an evidence file's hash must agree with the file itself.

A bundle names each evidence file's SHA-256 in four places: the manifest, the member name
(`evidence/<first 8 hex digits>-<name>`), each workpaper that cites it (`<a href=… data-sha256=…>`)
and the journal's record of the file (`evidencefile` entries in `journal.jsonl`). Someone who replaces
a file and rewrites `manifest.json` to match still leaves the other three naming the original; this
module finds them. Pure: callers hand it texts and hashes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

EVIDENCE_DIR = "evidence/"
_PREFIX = re.compile(r"^evidence/([0-9a-f]{8})-")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def member_prefix(member: str) -> str | None:
    m = _PREFIX.match(member)
    return m.group(1) if m else None


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        a = dict(attrs)
        href, sha = a.get("href"), a.get("data-sha256")
        if href and sha:
            self.refs.append((href, sha))


def page_references(page: str, html_text: str) -> list[tuple[str, str]]:
    """(member, sha256) for every evidence link of a page that states its hash."""
    parser = _Refs()
    parser.feed(html_text)
    parser.close()
    base = posixpath.dirname(page)
    out = []
    for href, sha in parser.refs:
        target = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
        out.append((target, sha.lower()))
    return out


def journal_evidence_hashes(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every SHA-256 the journal recorded for an evidence file (created, or changed to)."""
    out: set[str] = set()
    for e in entries:
        if e.get("entity") != "evidencefile":
            continue
        details = e.get("details") or {}
        if e.get("action") == "create" and isinstance(details.get("sha256"), str):
            out.add(details["sha256"].lower())
        elif e.get("action") == "update" and isinstance(details.get("sha256"), Mapping):
            to = details["sha256"].get("to")
            if isinstance(to, str):
                out.add(to.lower())
    return out


def cross_check(actual: Mapping[str, str], references: Iterable[tuple[str, str, str]],
                journal_hashes: set[str] | None) -> list[str]:
    """Problems, one line each. `actual`: {evidence member: SHA-256 of its bytes}; `references`:
    (page, member, sha256) from the workpapers; `journal_hashes`: None when the bundle has no journal."""
    out: list[str] = []
    for member, sha in sorted(actual.items()):
        prefix = member_prefix(member)
        if prefix is not None and not sha.startswith(prefix):
            out.append(f"{member}: its name carries the hash {prefix}…, its content hashes to {sha[:12]}…")
        if journal_hashes is not None and sha not in journal_hashes:
            out.append(f"{member}: the journal records no evidence file with its SHA-256 {sha[:12]}… "
                       "(the file was replaced)")
    for page, member, sha in references:
        if member not in actual:
            if member.startswith(EVIDENCE_DIR):
                out.append(f"{page}: cites {member}, which the bundle does not hold")
            continue
        if not _SHA.match(sha) or sha != actual[member]:
            out.append(f"{page}: cites {member} with SHA-256 {sha[:12]}…, its content hashes to "
                       f"{actual[member][:12]}…")
    return out
