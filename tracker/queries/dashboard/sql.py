"""Date arithmetic and conditional counts that compile to both SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Date, Integer, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


def _per_dialect(element_class, **templates: str):
    """Compile `element_class` from one template per dialect; {0}, {1}...: its arguments."""
    for dialect, template in templates.items():

        def render(element, compiler, template=template, **kw) -> str:
            return template.format(*(compiler.process(arg, **kw) for arg in element.clauses))

        compiles(element_class, dialect)(render)
    return element_class


class days_from(FunctionElement):
    """Whole days from the second date to the first: `days_from(later, earlier)`."""

    type = Integer()
    name = "days_from"
    inherit_cache = True


class year_month(FunctionElement):
    """A date's month as 'YYYY-MM' text."""

    type = String()
    name = "year_month"
    inherit_cache = True


class count_if(FunctionElement):
    """How many rows of the group meet the condition (0 when none)."""

    type = Integer()
    name = "count_if"
    inherit_cache = True


_per_dialect(
    days_from,
    sqlite="CAST(julianday({0}) - julianday({1}) AS INTEGER)",
    postgresql="({0} - {1})",
)
_per_dialect(year_month, sqlite="strftime('%Y-%m', {0})", postgresql="to_char({0}, 'YYYY-MM')")
# On SQLite a comparison is already 0 or 1 (NULL when unknown, which sum skips): no CAST
# per row.
_per_dialect(
    count_if,
    sqlite="coalesce(sum({0}), 0)",
    postgresql="count(*) FILTER (WHERE {0})",
)


def a_date(value) -> ColumnElement:
    """A bound date typed as such, so PostgreSQL can subtract it from a date column."""
    return literal(value, type_=Date())
