"""Date arithmetic and conditional counts that compile to both SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Date, Integer, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class days_from(FunctionElement):
    """Whole days from the second date to the first: `days_from(later, earlier)`."""

    type = Integer()
    name = "days_from"
    inherit_cache = True


@compiles(days_from, "sqlite")
def _days_from_sqlite(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_from, "postgresql")
def _days_from_postgresql(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({later} - {earlier})"


class year_month(FunctionElement):
    """A date's month as 'YYYY-MM' text."""

    type = String()
    name = "year_month"
    inherit_cache = True


@compiles(year_month, "sqlite")
def _year_month_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def a_date(value) -> ColumnElement:
    """A bound date typed as such, so PostgreSQL can subtract it from a date column."""
    return literal(value, type_=Date())


class count_if(FunctionElement):
    """How many rows of the group meet `condition` (0 when none)."""

    type = Integer()
    name = "count_if"
    inherit_cache = True


@compiles(count_if, "sqlite")
def _count_if_sqlite(element, compiler, **kw) -> str:
    # A comparison is already 0 or 1 (NULL when unknown, which sum skips): no CAST per row.
    return f"coalesce(sum({compiler.process(element.clauses, **kw)}), 0)"


@compiles(count_if, "postgresql")
def _count_if_postgresql(element, compiler, **kw) -> str:
    return f"count(*) FILTER (WHERE {compiler.process(element.clauses, **kw)})"
