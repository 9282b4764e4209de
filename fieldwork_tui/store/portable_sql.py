"""SQL expressions written once for both engines: SQLite (the local engagement) and PostgreSQL (a team's).

Services build queries with these instead of an engine's own functions (SQLite's `julianday` and scalar
`min`/`max` have no PostgreSQL namesakes).
"""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement):
    """Whole days from the first date to the second (`second - first`), as an integer."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_sqlite(element, compiler, **kw) -> str:
    first, second = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({second}) - julianday({first}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw) -> str:
    first, second = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({second} AS date) - CAST({first} AS date))"


class least(FunctionElement):
    """The smallest of its arguments (SQLite's scalar `min`, PostgreSQL's `LEAST`)."""

    type = Integer()
    inherit_cache = True
    name = "least"


@compiles(least)
def _least_sqlite(element, compiler, **kw) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(least, "postgresql")
def _least_pg(element, compiler, **kw) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


class greatest(FunctionElement):
    """The largest of its arguments (SQLite's scalar `max`, PostgreSQL's `GREATEST`)."""

    type = Integer()
    inherit_cache = True
    name = "greatest"


@compiles(greatest)
def _greatest_sqlite(element, compiler, **kw) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_pg(element, compiler, **kw) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"
