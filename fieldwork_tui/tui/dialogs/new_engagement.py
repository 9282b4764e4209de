"""Dialog: create an engagement — name, the service organization audited, report type, period,
categories in scope. Returns what `save` returns (the picker passes the service call)."""

from __future__ import annotations

from textual.app import ComposeResult

from fieldwork_tui.services.engagements import parse_categories, parse_period, today
from fieldwork_tui.services.errors import FieldworkError
from fieldwork_tui.tui.kit.forms import FieldError, FormDialog, choice_field, text_field


class NewEngagementDialog(FormDialog):
    TITLE_TEXT = "New engagement"
    SAVE_LABEL = "Create"
    FIELD_NAMES = {"name": "name", "period": "period", "category": "categories",
                   "service organization": "service-organization"}

    def fields(self) -> ComposeResult:
        year = today().year
        yield from text_field("Name", "name", placeholder="Acme Cloud SOC 2 Type II 2026")
        yield from text_field("Service organization (the company audited, as the report names it; "
                              "empty: the name)", "service-organization", placeholder="Acme Cloud, Inc.")
        yield from choice_field("Report type", "type", [("Type II (operating effectiveness over a period)", "2"),
                                                         ("Type I (design at a date)", "1")], "2")
        yield from text_field("Observation period (YYYY-MM-DD..YYYY-MM-DD)", "period", f"{year}-01-01..{year}-12-31")
        yield from text_field("Categories in scope", "categories", "security",
                              placeholder="security, availability, confidentiality, ...")

    def values(self) -> dict:
        name = self.required("name", "name: an engagement needs a name")
        period, categories = self.text("period"), self.value("categories")
        try:
            parse_period(period)
        except FieldworkError as exc:
            raise FieldError("period", str(exc)) from None
        try:
            parse_categories(categories)
        except FieldworkError as exc:
            raise FieldError("categories", str(exc)) from None
        return {"name": name, "service_organization": self.text("service-organization"),
                "type": self.value("type"), "period": period, "categories": categories}
