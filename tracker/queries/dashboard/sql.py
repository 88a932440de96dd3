"""Date arithmetic and medians that compile to both SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Date, Float, Integer, String, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select
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


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(cast(condition, Integer)), 0)


def median_by(values: Select, value: str, keys: tuple[str, ...] = ()) -> Select:
    """The median of column `value` of `values`, per `keys`, with window functions only.

    Rows are numbered in order within each group; the median is the mean of the middle
    one (odd count) or the middle two (even count).
    """
    source = values.subquery()
    group = [source.c[key] for key in keys]
    ranked = select(
        *group,
        source.c[value].label("value"),
        func.row_number().over(partition_by=group or None, order_by=source.c[value]).label("rn"),
        func.count().over(partition_by=group or None).label("n"),
    ).subquery()
    middle = ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    ranked_keys = [ranked.c[key] for key in keys]
    return (
        select(*ranked_keys, cast(func.avg(ranked.c.value), Float).label("median"))
        .where(middle)
        .group_by(*ranked_keys)
    )
