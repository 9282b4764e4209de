"""What a workpaper bundle holds: its members' names and the layout the export screen shows. A module of
its own, without the export's imports, so `verify` (which reads only these names) never loads the ORM."""

from __future__ import annotations

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ANCHORS = "anchors.jsonl"
JOURNAL = "journal.jsonl"
OSCAL = "oscal/assessment-results.json"
OSCAL_PLAN = "oscal/assessment-plan.json"
INDEX = "index.html"
WORKBOOK = "workpapers.xlsx"
SECTION_IV = "section-iv.md"
#: What the bundle holds, in the order of the layout: member (a folder ends in "/") and what it is. The
#: export screen says it from here, and a test checks it against an exported bundle.
LAYOUT: tuple[tuple[str, str], ...] = (
    (INDEX, "summary, controls, exceptions, open requests, flags"),
    ("workpapers/", "one HTML workpaper per control, with its sign-offs"),
    ("interviews/", "a memo per interview: who in which role, what was said, what corroborates or contradicts it"),
    ("evidence/", "the evidence files"),
    (WORKBOOK, "the workpapers as a workbook"),
    (SECTION_IV, "the draft section IV, tests of controls"),
    (OSCAL_PLAN, "the OSCAL assessment plan"),
    (OSCAL, "the OSCAL assessment results"),
    ("reperform/", "when samples were drawn: the canonical populations, every draw's inputs and the script "
                   "that re-derives every sample"),
    (JOURNAL, "the hash-chained journal"),
    (ANCHORS, "the signed statement of every sign-off and export, each naming the journal head it signed"),
    (MANIFEST, "the SHA-256 of every other file"),
    (SIGNATURE, "your signature over the manifest"),
)
FORMAT = "fieldwork-bundle"
