"""The 61 Trust Services Criteria IDs (2017 TSC, 2022 points of focus), titles paraphrased."""

from __future__ import annotations

import re

CRITERIA: dict[str, str] = {
    "CC1.1": "Integrity and ethics",
    "CC1.2": "Board oversight",
    "CC1.3": "Structure and authority",
    "CC1.4": "Competent staff",
    "CC1.5": "Accountability",
    "CC2.1": "Quality information",
    "CC2.2": "Internal communication",
    "CC2.3": "External communication",
    "CC3.1": "Objectives",
    "CC3.2": "Risk identification",
    "CC3.3": "Fraud risk",
    "CC3.4": "Significant change",
    "CC4.1": "Evaluations",
    "CC4.2": "Reporting deficiencies",
    "CC5.1": "Selecting controls",
    "CC5.2": "General IT controls",
    "CC5.3": "Policies and procedures",
    "CC6.1": "Access security architecture",
    "CC6.2": "User registration and removal",
    "CC6.3": "Role-based access",
    "CC6.4": "Physical access",
    "CC6.5": "Asset disposal",
    "CC6.6": "Boundary protection",
    "CC6.7": "Data in transit and removal",
    "CC6.8": "Malicious software",
    "CC7.1": "Vulnerabilities and configuration",
    "CC7.2": "Anomaly monitoring",
    "CC7.3": "Event evaluation",
    "CC7.4": "Incident response",
    "CC7.5": "Recovery",
    "CC8.1": "Authorized, tested, approved changes",
    "CC9.1": "Business disruption",
    "CC9.2": "Vendors and partners",
    "A1.1": "Capacity",
    "A1.2": "Environmental protection and backup",
    "A1.3": "Recovery testing",
    "C1.1": "Identify and protect confidential information",
    "C1.2": "Disposal of confidential information",
    "PI1.1": "Processing specifications",
    "PI1.2": "Inputs",
    "PI1.3": "Processing",
    "PI1.4": "Outputs",
    "PI1.5": "Storage",
    "P1.1": "Notice",
    "P2.1": "Choice and consent",
    "P3.1": "Collection",
    "P3.2": "Explicit consent",
    "P4.1": "Use",
    "P4.2": "Retention",
    "P4.3": "Disposal",
    "P5.1": "Access",
    "P5.2": "Correction",
    "P6.1": "Disclosure with consent",
    "P6.2": "Record of disclosures",
    "P6.3": "Record of unauthorized disclosures",
    "P6.4": "Vendor commitments",
    "P6.5": "Vendor notification",
    "P6.6": "Breach notification",
    "P6.7": "Accounting of disclosures",
    "P7.1": "Data quality",
    "P8.1": "Inquiries and complaints",
}

#: Trust services category of each criterion prefix.
CATEGORIES: dict[str, str] = {
    "CC": "security",
    "A": "availability",
    "C": "confidentiality",
    "PI": "processing_integrity",
    "P": "privacy",
}

_SPLIT = re.compile(r"[;,\s]+")


def category_of(criterion: str) -> str:
    prefix = re.match(r"[A-Z]+", criterion)
    return CATEGORIES.get(prefix.group(0) if prefix else "", "security")


def parse_criteria(text: str) -> tuple[list[str], list[str]]:
    """Split a cell like "CC6.1; CC6.2,cc6.3" into known IDs and unknown tokens (in order, deduplicated)."""
    known: list[str] = []
    unknown: list[str] = []
    for token in _SPLIT.split(text or ""):
        token = token.strip().upper().rstrip(".")
        if not token:
            continue
        if token in CRITERIA:
            if token not in known:
                known.append(token)
        elif token not in unknown:
            unknown.append(token)
    return known, unknown


#: A TSC category column's words, and the criteria prefixes of each category (CC: the common criteria,
#: which are the security category).
CATEGORY_PREFIXES: dict[str, tuple[str, ...]] = {
    "security": ("CC",), "common criteria": ("CC",), "cc": ("CC",),
    "availability": ("A",), "a": ("A",),
    "confidentiality": ("C",), "c": ("C",),
    "processing integrity": ("PI",), "pi": ("PI",),
    "privacy": ("P",), "p": ("P",),
}


def _prefix(criterion: str) -> str:
    return re.match(r"[A-Z]+", criterion).group(0)


#: The nine series of the common criteria by name, as control matrices put them in a category column
#: ("Control Environment", "CC6 - Logical and Physical Access Controls"): each is the Security category.
CC_SERIES = ("control environment", "communication and information", "risk assessment", "monitoring activities",
             "control activities", "logical and physical access", "logical and physical access controls",
             "system operations", "change management", "risk mitigation")


def _cc_series(text: str) -> bool:
    norm = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    if re.fullmatch(r"cc ?\d( .*)?", norm):  # "CC6", "CC6 - Logical and Physical Access Controls"
        return True
    return norm in CC_SERIES


def category_mismatch(category_text: str, criteria: list[str]) -> str | None:
    """Cross-check a TSC category cell with the row's criteria: a message when the category is unknown
    or none of its categories holds any of the criteria; None when they agree (or either is empty).
    A common-criteria series, by number or by name, is the Security category."""
    if category_text and _cc_series(category_text.strip()):
        category_text = "Security"
    words = [w for w in re.split(r"\s*[,;/&|]\s*|\s+and\s+", (category_text or "").strip().lower()) if w]
    if not words or not criteria:
        return None
    prefixes: set[str] = set()
    for word in words:
        norm = re.sub(r"[^a-z]+", " ", word).strip()
        if norm.startswith("cc") and norm[2:].strip().isdigit():
            norm = "cc"  # "CC6" (a series of the common criteria)
        if norm not in CATEGORY_PREFIXES:
            return f"unknown TSC category {category_text!r} (expected Security, Availability, Confidentiality, " \
                   "Processing Integrity or Privacy)"
        prefixes.update(CATEGORY_PREFIXES[norm])
    outside = [c for c in criteria if _prefix(c) not in prefixes]
    if len(outside) == len(criteria):
        return f"category {category_text!r} but the criteria {', '.join(criteria)} belong to another category"
    return None
