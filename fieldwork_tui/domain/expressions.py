"""The rule language of test attributes: a small expression over a population row's own columns.

An attribute such as "B — approver is not the author" may carry a rule the app checks against every
sampled item's columns (the client's extract) to *propose* a result; a person still confirms it.
Rules are text an auditor types or a firm library ships, so they are parsed by a hand-written
tokenizer and recursive-descent parser into a small tree and interpreted node by node — never handed
to Python's `eval`, `exec` or `compile`. Any text either parses or is refused with a `RuleError`
that names the position of the problem.

    Approver != Author                       two columns compared as text (case and spacing ignored)
    Approved <= Deployed                     two columns compared as dates (or numbers)
    Tested = yes                             a column against a constant: yes/no, "text", 12, 2026-03-31
    days(Approved, Deployed) <= 2            a date difference in days (Deployed − Approved)
    Removed - Terminated <= 1                the same difference written as a subtraction
    Deployed <= Approved + 3 days            a date shifted by whole days
    [Approved by] is not blank               a column whose name has spaces, and the blank test
    Approver != Author and Approver is not blank      and / or / not, with parentheses

Names are columns, matched without regard to case or spacing; `[...]` quotes a column name that has
spaces or clashes with a keyword (`and`, `or`, `not`, `is`, `blank`, `empty`, `yes`, `no`, `true`,
`false`, `days`, `day`). Text constants are quoted ("...", '...'; a doubled quote stands for itself).

Evaluation is three-valued: a comparison is met, not met, or undecided (a blank cell, a cell that is
not a date where a date is needed, text that cannot be ordered); undecided cells get no proposal.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from fieldwork_tui.domain.dates import DateParseError, parse_date

#: Longest rule text accepted, and deepest nesting of parentheses / `not`.
MAX_LENGTH = 1000
MAX_DEPTH = 40

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x", "✓", "✔", "done", "pass", "passed", "ok"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "fail", "failed"})

KEYWORDS = frozenset({"and", "or", "not", "is", "blank", "empty", "yes", "no", "true", "false", "days", "day"})
COMPARATORS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "≠": "!=", "<": "<", "<=": "<=", "≤": "<=",
               ">": ">", ">=": ">=", "≥": ">="}
NEGATED = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
ORDERING = frozenset({"<", "<=", ">", ">="})


class RuleError(ValueError):
    """A rule that cannot be used. `position` is the 0-based offset in the text (0 ≤ position ≤ len)."""

    def __init__(self, message: str, position: int, text: str = "") -> None:
        self.message = message
        self.position = max(0, min(position, len(text))) if text else max(0, position)
        self.text = text
        super().__init__(f"position {self.position + 1}: {message}")

    def pointer(self) -> str:
        """The rule and a caret under the offending position (two lines, control characters escaped)."""
        shown = _printable(self.text)
        lead = _printable(self.text[: self.position])
        return f"{shown}\n{' ' * len(lead)}^"


def _printable(text: str) -> str:
    """Text with control and other invisible characters shown as escapes (for messages)."""
    out = []
    for ch in text:
        if ch in "\t ":
            out.append(" ")
        elif unicodedata.category(ch)[0] in "CZ" and ch != " ":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def _show(text: str) -> str:
    return "'" + _printable(text[:40]) + ("…" if len(text) > 40 else "") + "'"


# -- tokens ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # name | column | string | number | date | op | lparen | rparen | comma | plus | minus | end
    text: str
    pos: int
    value: object = None


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w.])")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?(?![\w.])")


def tokenize(text: str) -> list[Token]:
    """Split rule text into tokens; RuleError at the first character that starts no token."""
    if len(text) > MAX_LENGTH:
        raise RuleError(f"the rule is longer than {MAX_LENGTH} characters", MAX_LENGTH, text)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        two = text[i : i + 2]
        if two in ("==", "!=", "<>", "<=", ">="):
            tokens.append(Token("op", two, start, COMPARATORS[two]))
            i += 2
        elif ch in "=<>≠≤≥":
            tokens.append(Token("op", ch, start, COMPARATORS[ch]))
            i += 1
        elif ch == "!":
            raise RuleError("'!' must be followed by '=' (not equal: !=)", start, text)
        elif ch in "(),+-":
            kind = {"(": "lparen", ")": "rparen", ",": "comma", "+": "plus", "-": "minus"}[ch]
            tokens.append(Token(kind, ch, start))
            i += 1
        elif ch == "[":
            end = text.find("]", i + 1)
            nl = text.find("\n", i + 1)
            if end < 0 or (0 <= nl < end):
                raise RuleError("a column name opened with '[' is not closed with ']'", start, text)
            name = text[i + 1 : end]
            if not name.strip():
                raise RuleError("'[]' names no column", start, text)
            if "[" in name:
                raise RuleError("a column name cannot contain '['", start + 1 + name.index("["), text)
            tokens.append(Token("column", text[start : end + 1], start, name))
            i = end + 1
        elif ch in "\"'":
            value, i = _string(text, i)
            tokens.append(Token("string", text[start:i], start, value))
        elif ch.isdigit():
            m = _DATE_RE.match(text, i)
            if m:
                try:
                    day = dt.date.fromisoformat(m.group())
                except ValueError:
                    raise RuleError(f"{_show(m.group())} is not a calendar date", start, text) from None
                tokens.append(Token("date", m.group(), start, day))
                i = m.end()
                continue
            m = _NUMBER_RE.match(text, i)
            if not m:
                j = i
                while j < n and (text[j].isalnum() or text[j] in "._"):
                    j += 1
                raise RuleError(f"{_show(text[i:j])} is neither a number nor a name "
                                f"(names start with a letter; quote odd column names as [..])", start, text)
            if len(m.group().split(".")[0]) > 15:
                raise RuleError(f"{_show(m.group())} is too large a number", start, text)
            tokens.append(Token("number", m.group(), start, float(m.group())))
            i = m.end()
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("name", text[i:j], start, text[i:j]))
            i = j
        else:
            raise RuleError(f"unexpected character {_show(ch)}", start, text)
    tokens.append(Token("end", "", n))
    return tokens


def _string(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    j = i + 1
    parts: list[str] = []
    while j < len(text):
        ch = text[j]
        if ch == quote:
            if text[j + 1 : j + 2] == quote:
                parts.append(quote)
                j += 2
                continue
            return "".join(parts), j + 1
        if ch == "\n":
            break
        parts.append(ch)
        j += 1
    raise RuleError(f"text opened with {quote} is not closed", i, text)


# -- the tree ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    pos: int
    index: int | None = None  # set by `bind`


@dataclass(frozen=True)
class Text:
    value: str
    pos: int


@dataclass(frozen=True)
class Number:
    value: float
    pos: int


@dataclass(frozen=True)
class DateValue:
    value: dt.date
    pos: int


@dataclass(frozen=True)
class Truth:
    value: bool
    pos: int


@dataclass(frozen=True)
class Blank:
    pos: int


@dataclass(frozen=True)
class Days:
    """Whole days from `start` to `end` (end − start)."""

    start: Value
    end: Value
    pos: int


@dataclass(frozen=True)
class Shift:
    """A date moved by a whole number of days."""

    base: Value
    days: int
    pos: int


Value = Column | Text | Number | DateValue | Truth | Blank | Days | Shift


@dataclass(frozen=True)
class Compare:
    op: str  # one of = != < <= > >=
    left: Value
    right: Value
    pos: int


@dataclass(frozen=True)
class IsBlank:
    value: Value
    negated: bool
    pos: int


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]
    pos: int


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]
    pos: int


@dataclass(frozen=True)
class Negation:
    part: Condition
    pos: int


Condition = Compare | IsBlank | All | AnyOf | Negation


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text and its condition tree (columns unresolved until `bind`)."""

    text: str
    condition: Condition

    def columns(self) -> list[str]:
        """The column names the rule reads, in order of first use."""
        out: list[str] = []
        for col in _columns(self.condition):
            if col.name not in out:
                out.append(col.name)
        return out


# -- parser ------------------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _word(self, *words: str) -> bool:
        return self.tok.kind == "name" and self.tok.text.casefold() in words

    def error(self, message: str, tok: Token | None = None) -> RuleError:
        tok = tok or self.tok
        return RuleError(message, tok.pos, self.text)

    def _found(self, tok: Token | None = None) -> str:
        tok = tok or self.tok
        return "the end of the rule" if tok.kind == "end" else _show(tok.text)

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")

    def parse(self) -> Rule:
        if self.tok.kind == "end":
            raise self.error("the rule is empty (e.g. Approved <= Deployed)")
        cond = self.or_()
        if self.tok.kind != "end":
            if self.tok.kind == "rparen":
                raise self.error("')' closes no '('")
            raise self.error(f"expected and, or or the end of the rule, found {self._found()}")
        return Rule(self.text, cond)

    def or_(self) -> Condition:
        start = self.tok.pos
        parts = [self.and_()]
        while self._word("or"):
            self._next()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts), start)

    def and_(self) -> Condition:
        start = self.tok.pos
        parts = [self.unary()]
        while self._word("and"):
            self._next()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else All(tuple(parts), start)

    def unary(self) -> Condition:
        self._enter()
        try:
            if self._word("not"):
                tok = self._next()
                return Negation(self.unary(), tok.pos)
            if self.tok.kind == "lparen":
                opening = self._next()
                cond = self.or_()
                if self.tok.kind != "rparen":
                    raise self.error(f"expected ')' to close the '(' at position {opening.pos + 1}, "
                                     f"found {self._found()}")
                self._next()
                return cond
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Condition:
        start = self.tok
        left = self.value()
        if self._word("is"):
            self._next()
            negated = False
            if self._word("not"):
                self._next()
                negated = True
            if not self._word("blank", "empty"):
                raise self.error(f"expected blank after 'is{' not' if negated else ''}', found {self._found()}")
            self._next()
            return IsBlank(left, negated, start.pos)
        if self.tok.kind != "op":
            raise self.error(f"expected a comparison (=, !=, <, <=, >, >= or 'is blank') after "
                             f"{_show(self.text[start.pos:self.tok.pos].strip() or start.text)}, found {self._found()}")
        op = self._next().value
        right = self.value()
        return Compare(str(op), left, right, start.pos)

    def value(self) -> Value:
        base = self.primary()
        if self.tok.kind in ("plus", "minus"):
            sign = self._next()
            if self.tok.kind == "number":
                num = self._next()
                if not float(num.value).is_integer():
                    raise self.error("days are whole numbers", num)
                self._unit()
                n = int(float(num.value))
                return Shift(base, n if sign.kind == "plus" else -n, sign.pos)
            if sign.kind == "minus":
                other = self.primary()
                return Days(other, base, sign.pos)
            raise self.error(f"expected a number of days after '+', found {self._found()}")
        return base

    def _unit(self) -> None:
        if self._word("day", "days") and self.tokens[self.i + 1].kind != "lparen":
            self._next()

    def primary(self) -> Value:
        tok = self.tok
        if tok.kind == "column":
            self._next()
            return Column(str(tok.value), tok.pos)
        if tok.kind == "string":
            self._next()
            return Text(str(tok.value), tok.pos)
        if tok.kind == "number":
            self._next()
            self._unit()
            return Number(float(tok.value), tok.pos)
        if tok.kind == "date":
            self._next()
            return DateValue(tok.value, tok.pos)  # type: ignore[arg-type]
        if tok.kind == "name":
            word = tok.text.casefold()
            if word in ("days", "day") and self.tokens[self.i + 1].kind == "lparen":
                return self._days_call()
            if word in ("blank", "empty"):
                self._next()
                return Blank(tok.pos)
            if word in ("yes", "true"):
                self._next()
                return Truth(True, tok.pos)
            if word in ("no", "false"):
                self._next()
                return Truth(False, tok.pos)
            if word in KEYWORDS:
                raise self.error(f"expected a column or a value, found the word {_show(tok.text)} "
                                 f"(write [{_printable(tok.text)}] for a column of that name)")
            self._next()
            return Column(tok.text, tok.pos)
        if tok.kind == "minus" and self.tokens[self.i + 1].kind == "number":
            self._next()
            num = self._next()
            return Number(-float(num.value), tok.pos)
        raise self.error(f"expected a column or a value, found {self._found()}")

    def _days_call(self) -> Days:
        name = self._next()
        self._next()  # (
        self._enter()
        try:
            start = self.value()
            if self.tok.kind != "comma":
                raise self.error(f"expected ',' between the two dates of days(start, end), found {self._found()}")
            self._next()
            end = self.value()
            if self.tok.kind != "rparen":
                raise self.error(f"expected ')' to close days(, found {self._found()}")
            self._next()
        finally:
            self.depth -= 1
        return Days(start, end, name.pos)


def parse(text: str) -> Rule:
    """Parse rule text (see the module docstring); RuleError with the position of the first problem."""
    if not isinstance(text, str):
        raise RuleError("a rule is text", 0, "")
    return _Parser(text).parse()


# -- binding to a population's columns and type checking --------------------------------------------------
def norm_column(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().replace("_", " ").split())


@dataclass(frozen=True)
class BoundRule:
    """A rule whose columns are resolved to positions in a population's rows, and type-checked."""

    rule: Rule
    columns: tuple[str, ...]  # the population's column names

    @property
    def text(self) -> str:
        return self.rule.text


def bind(rule: Rule | str, columns: Sequence[str]) -> BoundRule:
    """Resolve every column the rule names against `columns` (case, spacing and `_` ignored) and check
    that each comparison makes sense; RuleError naming the position otherwise."""
    if isinstance(rule, str):
        rule = parse(rule)
    index = {}
    for i, c in enumerate(columns):
        index.setdefault(norm_column(c), i)
    cond = _bind(rule.condition, index, list(columns), rule.text)
    return BoundRule(Rule(rule.text, cond), tuple(columns))


def _bind(node, index: dict[str, int], columns: list[str], text: str):
    if isinstance(node, Column):
        i = index.get(norm_column(node.name))
        if i is None:
            shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
            raise RuleError(f"no column {_show(node.name)} in the population (columns: {shown or 'none'}); "
                            f'quote text as "{_printable(node.name)}"', node.pos, text)
        return Column(columns[i], node.pos, i)
    if isinstance(node, Days):
        start, end = _bind(node.start, index, columns, text), _bind(node.end, index, columns, text)
        for part in (start, end):
            if _kind(part) not in ("cell", "date"):
                raise RuleError(f"days(start, end) needs two dates, not {_kind_word(part)}", part.pos, text)
        if _kind(start) == _kind(end) == "date":
            raise RuleError("days(start, end) must read at least one column", node.pos, text)
        return Days(start, end, node.pos)
    if isinstance(node, Shift):
        base = _bind(node.base, index, columns, text)
        if _kind(base) not in ("cell", "date"):
            raise RuleError(f"only a date can be moved by days, not {_kind_word(base)}", node.pos, text)
        return Shift(base, node.days, node.pos)
    if isinstance(node, Compare):
        left, right = _bind(node.left, index, columns, text), _bind(node.right, index, columns, text)
        _check_compare(node.op, left, right, node.pos, text)
        return Compare(node.op, left, right, node.pos)
    if isinstance(node, IsBlank):
        value = _bind(node.value, index, columns, text)
        if not isinstance(value, Column):
            raise RuleError("'is blank' tests a column", node.pos, text)
        return IsBlank(value, node.negated, node.pos)
    if isinstance(node, All):
        return All(tuple(_bind(p, index, columns, text) for p in node.parts), node.pos)
    if isinstance(node, AnyOf):
        return AnyOf(tuple(_bind(p, index, columns, text) for p in node.parts), node.pos)
    if isinstance(node, Negation):
        return Negation(_bind(node.part, index, columns, text), node.pos)
    return node


def _kind(v) -> str:
    """The static kind of a value: cell (a column's text, typed at run time), text, number, date, bool, blank."""
    if isinstance(v, Column):
        return "cell"
    if isinstance(v, Text):
        return "text"
    if isinstance(v, Number | Days):
        return "number"
    if isinstance(v, DateValue | Shift):
        return "date"
    if isinstance(v, Truth):
        return "bool"
    return "blank"


def _kind_word(v) -> str:
    return {"cell": "a column", "text": "text", "number": "a number", "date": "a date", "bool": "yes/no",
            "blank": "blank"}[_kind(v)]


def _reads_column(v) -> bool:
    return bool(list(_columns(v)))


def _check_compare(op: str, left, right, pos: int, text: str) -> None:
    kl, kr = _kind(left), _kind(right)
    if not (_reads_column(left) or _reads_column(right)):
        raise RuleError("a comparison must read at least one column of the population", pos, text)
    kinds = {kl, kr} - {"cell"}
    if "blank" in kinds or "bool" in kinds or "text" in kinds:
        if op in ORDERING:
            what = "blank" if "blank" in kinds else "yes/no" if "bool" in kinds else "text"
            raise RuleError(f"{what} can only be compared with = or !=", pos, text)
    if len(kinds) == 2:
        raise RuleError(f"cannot compare {_kind_word(left)} with {_kind_word(right)}", pos, text)


def _columns(node):
    if isinstance(node, Column):
        yield node
    elif isinstance(node, Days):
        yield from _columns(node.start)
        yield from _columns(node.end)
    elif isinstance(node, Shift):
        yield from _columns(node.base)
    elif isinstance(node, Compare):
        yield from _columns(node.left)
        yield from _columns(node.right)
    elif isinstance(node, IsBlank):
        yield from _columns(node.value)
    elif isinstance(node, All | AnyOf):
        for p in node.parts:
            yield from _columns(p)
    elif isinstance(node, Negation):
        yield from _columns(node.part)


# -- text back from the tree ---------------------------------------------------------------------------------
def _plain_name(name: str) -> bool:
    """Whether the tokenizer reads `name` as one bare name (so it needs no brackets)."""
    return (bool(name) and (name[0].isalpha() or name[0] == "_") and all(c.isalnum() or c == "_" for c in name)
            and name.casefold() not in KEYWORDS)


def _col_text(name: str) -> str:
    return name if _plain_name(name) else f"[{name}]"


def _num_text(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def unparse(node) -> str:
    """Canonical text for a tree; parsing it again gives the same tree (positions aside)."""
    if isinstance(node, Column):
        return _col_text(node.name)
    if isinstance(node, Text):
        return '"' + node.value.replace('"', '""') + '"'
    if isinstance(node, Number):
        return _num_text(node.value)
    if isinstance(node, DateValue):
        return node.value.isoformat()
    if isinstance(node, Truth):
        return "yes" if node.value else "no"
    if isinstance(node, Blank):
        return "blank"
    if isinstance(node, Days):
        return f"days({unparse(node.start)}, {unparse(node.end)})"
    if isinstance(node, Shift):
        sign = "+" if node.days >= 0 else "-"
        return f"{unparse(node.base)} {sign} {abs(node.days)} days"
    if isinstance(node, Compare):
        return f"{unparse(node.left)} {node.op} {unparse(node.right)}"
    if isinstance(node, IsBlank):
        return f"{unparse(node.value)} is {'not ' if node.negated else ''}blank"
    if isinstance(node, All):
        return " and ".join(_grouped(p) for p in node.parts)
    if isinstance(node, AnyOf):
        return " or ".join(_grouped(p) for p in node.parts)
    if isinstance(node, Negation):
        inner = unparse(node.part)
        return f"not ({inner})" if isinstance(node.part, All | AnyOf) else f"not {inner}"
    raise TypeError(type(node).__name__)


def _grouped(node) -> str:
    text = unparse(node)
    return f"({text})" if isinstance(node, All | AnyOf) else text


def strip_positions(node):
    """The tree with every position zeroed (to compare trees parsed from different texts)."""
    if isinstance(node, Column):
        return Column(node.name, 0, node.index)
    if isinstance(node, Text | Number | DateValue | Truth):
        return type(node)(node.value, 0)
    if isinstance(node, Blank):
        return Blank(0)
    if isinstance(node, Days):
        return Days(strip_positions(node.start), strip_positions(node.end), 0)
    if isinstance(node, Shift):
        return Shift(strip_positions(node.base), node.days, 0)
    if isinstance(node, Compare):
        return Compare(node.op, strip_positions(node.left), strip_positions(node.right), 0)
    if isinstance(node, IsBlank):
        return IsBlank(strip_positions(node.value), node.negated, 0)
    if isinstance(node, All | AnyOf):
        return type(node)(tuple(strip_positions(p) for p in node.parts), 0)
    if isinstance(node, Negation):
        return Negation(strip_positions(node.part), 0)
    raise TypeError(type(node).__name__)


# -- evaluation ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What a rule says of one row: met (True), not met (False) or undecided (None), and why."""

    met: bool | None
    reason: str


_NUMERIC_CELL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def _as_number(text: str) -> float | None:
    t = text.strip()
    if not _NUMERIC_CELL.fullmatch(t):
        return None
    return float(t.replace(",", ""))


def _as_date(text: str) -> dt.date | None:
    t = text.strip()
    if not t or re.fullmatch(r"[+-]?\d+(\.\d+)?", t):  # a bare number is not a date in a rule
        return None
    try:
        return parse_date(t)
    except (DateParseError, ValueError, OverflowError):
        return None


def _as_bool(text: str) -> bool | None:
    t = " ".join(text.casefold().split())
    if t in TRUE_WORDS:
        return True
    if t in FALSE_WORDS:
        return False
    return None


def _norm_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class _Undecided(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _cell(col: Column, row: Sequence[str]) -> str:
    if col.index is None:
        raise TypeError("rule is not bound to columns; call bind() first")
    value = row[col.index] if col.index < len(row) else ""
    return "" if value is None else str(value)


def _label(col: Column, value: object) -> str:
    return f"{col.name} {value}" if value != "" else f"{col.name} (blank)"


def _date_of(v, row: Sequence[str]) -> tuple[dt.date, str]:
    if isinstance(v, DateValue):
        return v.value, v.value.isoformat()
    if isinstance(v, Shift):
        base, label = _date_of(v.base, row)
        try:
            moved = base + dt.timedelta(days=v.days)
        except OverflowError:
            raise _Undecided(f"{label} moved by {v.days} days is not a date") from None
        sign = "+" if v.days >= 0 else "-"
        return moved, f"{label} {sign} {abs(v.days)} days"
    raw = _cell(v, row)
    if not raw.strip():
        raise _Undecided(f"{v.name} is blank")
    day = _as_date(raw)
    if day is None:
        raise _Undecided(f"{v.name} {_show(raw)} is not a date")
    return day, _label(v, day.isoformat())


def _number_of(v, row: Sequence[str]) -> tuple[float, str]:
    if isinstance(v, Number):
        return v.value, _num_text(v.value)
    if isinstance(v, Days):
        a, la = _date_of(v.start, row)
        b, lb = _date_of(v.end, row)
        n = (b - a).days
        return float(n), f"{n} days from {la} to {lb}"
    raw = _cell(v, row)
    if not raw.strip():
        raise _Undecided(f"{v.name} is blank")
    num = _as_number(raw)
    if num is None:
        raise _Undecided(f"{v.name} {_show(raw)} is not a number")
    return num, _label(v, _num_text(num))


_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def _compare(node: Compare, row: Sequence[str]) -> Verdict:
    left, right, op = node.left, node.right, node.op
    kinds = {_kind(left), _kind(right)} - {"cell"}
    kind = next(iter(kinds)) if kinds else "cell"
    if kind == "blank":
        col = left if isinstance(left, Column) else right
        raw = _cell(col, row)
        empty = not raw.strip()
        met = empty if op == "=" else not empty
        return Verdict(met, f"{_label(col, raw.strip())}")
    if kind == "bool":
        col, const = (left, right) if isinstance(right, Truth) else (right, left)
        raw = _cell(col, row)
        if not raw.strip():
            raise _Undecided(f"{col.name} is blank")
        b = _as_bool(raw)
        if b is None:
            raise _Undecided(f"{col.name} {_show(raw.strip())} is neither yes nor no")
        met = _OPS[op](b, const.value)
        return Verdict(met, f"{col.name} {'yes' if b else 'no'}")
    if kind == "text":
        col, const = (left, right) if isinstance(right, Text) else (right, left)
        raw = _cell(col, row)
        met = _OPS[op](_norm_text(raw), _norm_text(const.value))
        return Verdict(met, f"{_label(col, _show(raw.strip()) if raw.strip() else '')} "
                            f"{op if met else NEGATED[op]} {_show(const.value)}")
    if kind == "number":
        a, la = _number_of(left, row)
        b, lb = _number_of(right, row)
        met = _OPS[op](a, b)
        return Verdict(met, f"{la} {op if met else NEGATED[op]} {lb}")
    if kind == "date":
        a, la = _date_of(left, row)
        b, lb = _date_of(right, row)
        met = _OPS[op](a, b)
        return Verdict(met, f"{la} {op if met else NEGATED[op]} {lb}")
    # two columns: typed by their contents
    ra, rb = _cell(left, row).strip(), _cell(right, row).strip()
    for col, raw in ((left, ra), (right, rb)):
        if not raw:
            raise _Undecided(f"{col.name} is blank")
    na, nb = _as_number(ra), _as_number(rb)
    if na is not None and nb is not None:
        met = _OPS[op](na, nb)
        return Verdict(met, f"{_label(left, _num_text(na))} {op if met else NEGATED[op]} {_label(right, _num_text(nb))}")
    da, db = _as_date(ra), _as_date(rb)
    if da is not None and db is not None:
        met = _OPS[op](da, db)
        return Verdict(met, f"{_label(left, da.isoformat())} {op if met else NEGATED[op]} "
                            f"{_label(right, db.isoformat())}")
    if op in ORDERING:
        for (col, raw, num, day), (_c, _r, onum, oday) in (((left, ra, na, da), (right, rb, nb, db)),
                                                            ((right, rb, nb, db), (left, ra, na, da))):
            if oday is not None and day is None:
                raise _Undecided(f"{col.name} {_show(raw)} is not a date")
            if onum is not None and num is None:
                raise _Undecided(f"{col.name} {_show(raw)} is not a number")
        raise _Undecided(f"{left.name} {_show(ra)} and {right.name} {_show(rb)} are not both dates or numbers")
    met = _OPS[op](_norm_text(ra), _norm_text(rb))
    return Verdict(met, f"{left.name} {_show(ra)} {op if met else NEGATED[op]} {right.name} {_show(rb)}")


def _eval(node, row: Sequence[str]) -> Verdict:
    if isinstance(node, Compare):
        try:
            return _compare(node, row)
        except _Undecided as u:
            return Verdict(None, u.reason)
    if isinstance(node, IsBlank):
        raw = _cell(node.value, row).strip()
        met = (not raw) != node.negated
        return Verdict(met, _label(node.value, _show(raw) if raw else ""))
    if isinstance(node, Negation):
        v = _eval(node.part, row)
        return Verdict(None if v.met is None else not v.met, v.reason)
    if isinstance(node, All):
        verdicts = [_eval(p, row) for p in node.parts]
        failed = [v for v in verdicts if v.met is False]
        if failed:
            return Verdict(False, "; ".join(v.reason for v in failed))
        unknown = [v for v in verdicts if v.met is None]
        if unknown:
            return Verdict(None, "; ".join(v.reason for v in unknown))
        return Verdict(True, "; ".join(v.reason for v in verdicts))
    if isinstance(node, AnyOf):
        verdicts = [_eval(p, row) for p in node.parts]
        met = [v for v in verdicts if v.met is True]
        if met:
            return Verdict(True, met[0].reason)
        unknown = [v for v in verdicts if v.met is None]
        if unknown:
            return Verdict(None, "; ".join(v.reason for v in unknown))
        return Verdict(False, "; ".join(v.reason for v in verdicts))
    raise TypeError(type(node).__name__)


def evaluate(rule: BoundRule, row: Sequence[str]) -> Verdict:
    """What the rule says of one population row (its cells in the bound columns' order)."""
    return _eval(rule.rule.condition, row)


def check(text: str, columns: Sequence[str] | None = None) -> str | None:
    """None when the rule is usable (against `columns`, when given), else the one-line reason."""
    try:
        rule = parse(text)
        if columns is not None:
            bind(rule, columns)
    except RuleError as exc:
        return str(exc)
    return None
