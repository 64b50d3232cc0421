"""SQL for figures that come out the same on SQLite and PostgreSQL.

The webcare figures (``answers.queries``), the co-creation figures (``ideas.queries``)
and the community health dashboard (``community.dashboard``) count rows with these:

- ``epoch_seconds``, ``week_start`` and ``month_start`` are SQL expressions that each
  database spells its own way, compiled per dialect;
- ``quantiles`` finds medians and percentiles by ordered position in SQL (window
  functions ``ROW_NUMBER`` and ``COUNT``, which both databases have), fetching only
  the two neighbouring values of each percentile, and interpolates between them in
  Python. Neither ``percentile_cont`` (PostgreSQL only) nor a fetch of every value
  is needed, and both databases agree to the second.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, String, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select, func
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from community.extensions import db

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400

# --- expressions compiled per database ---------------------------------------------------
#
# The SQL is written out with its literals (no bound parameters), so an expression that
# appears in both SELECT and GROUP BY is the same text twice, as PostgreSQL requires.


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - SQL functions read lower-case
    """Whole seconds since 1970-01-01 UTC of a UTC datetime column.

    Whole seconds on both databases (SQLite's ``strftime('%s')`` has no fractions), so
    a difference of two is exact and the same everywhere.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


class week_start(FunctionElement[str]):  # noqa: N801
    """The Monday (UTC) of a datetime's ISO week, as ``YYYY-MM-DD`` text."""

    type = String()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back
    # from there is that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


class month_start(FunctionElement[str]):  # noqa: N801
    """The month (UTC) of a datetime, as ``YYYY-MM`` text."""

    type = String()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM')"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """The Mondays of every week that has a day in [first, last]."""
    monday, weeks = monday_of(first), []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def months_between(first: date, last: date) -> list[str]:
    """Every month (``YYYY-MM``) that has a day in [first, last]."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- shares and percentiles --------------------------------------------------------------


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to take a share of."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Quantile:
    """A quantile as a fraction of whole numbers, so SQL can place it exactly.

    Positions follow the "inclusive" method (R-7, Excel's PERCENTILE.INC, Python's
    ``statistics.quantiles(method="inclusive")``): in n ordered values the quantile
    sits at (n - 1) * q, between the values around it.
    """

    numerator: int
    denominator: int


MEDIAN = Quantile(1, 2)
P90 = Quantile(9, 10)


def quantiles(
    values: Select[Any], wanted: Iterable[Quantile]
) -> dict[Hashable, dict[Quantile, float]]:
    """Quantiles of ``values`` per bucket.

    ``values`` selects a column labelled ``value`` and, optionally, one labelled
    ``bucket``; without a bucket every value is in the bucket ``None``. NULL values are
    left out; buckets with no values are absent from the answer. One query, returning
    at most two rows per quantile and bucket.
    """
    wanted = tuple(wanted)
    rows_in = values.subquery()
    partition = rows_in.c.bucket if "bucket" in rows_in.c else None
    columns = [
        rows_in.c.value,
        func.row_number().over(partition_by=partition, order_by=rows_in.c.value).label("position"),
        func.count().over(partition_by=partition).label("size"),
    ]
    if partition is not None:
        columns.append(partition.label("bucket"))
    ranked = select(*columns).where(rows_in.c.value.is_not(None)).subquery()
    # Integer division (//) truncates on both databases; every operand is >= 0.
    below = [(ranked.c.size - 1) * q.numerator // q.denominator for q in wanted]
    statement = select(ranked).where(
        or_(*(ranked.c.position.in_([index + 1, index + 2]) for index in below))
    )
    found: dict[Hashable, dict[int, float]] = {}
    sizes: dict[Hashable, int] = {}
    for row in db.session.execute(statement).mappings():
        key = row.get("bucket")
        found.setdefault(key, {})[row["position"]] = float(row["value"])
        sizes[key] = row["size"]
    answer: dict[Hashable, dict[Quantile, float]] = {}
    for key, by_position in found.items():
        answer[key] = {}
        for q in wanted:
            index, remainder = divmod((sizes[key] - 1) * q.numerator, q.denominator)
            low = by_position[index + 1]
            high = by_position.get(index + 2, low)
            answer[key][q] = low + (high - low) * remainder / q.denominator
    return answer
