"""The SQL helpers behind every figure: percentiles and time buckets agree on both
databases and with Python's own statistics."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, literal, select, union_all

from community.extensions import db
from community.figures import (
    MEDIAN,
    P90,
    epoch_seconds,
    month_start,
    months_between,
    quantiles,
    week_start,
    weeks_between,
)
from community.topics.models import Topic
from tests import factories


def _values(pairs: list[tuple[str, int]]):
    """A SELECT of (bucket, value) rows, written out as literals."""
    return union_all(
        *(
            select(literal(bucket).label("bucket"), literal(value, Integer).label("value"))
            for bucket, value in pairs
        )
    )


def _expected(values: list[int]) -> dict:
    ordered = sorted(values)
    p90 = (
        statistics.quantiles(ordered, n=10, method="inclusive")[-1]
        if len(ordered) > 1
        else ordered[0]
    )
    return {MEDIAN: statistics.median(ordered), P90: p90}


def test_quantiles_interpolate_between_neighbours_like_the_inclusive_method(database):
    found = quantiles(_values([("a", 1), ("a", 10), ("a", 30)]), (MEDIAN, P90))
    assert found["a"][MEDIAN] == 10
    assert found["a"][P90] == pytest.approx(26)  # 10 + 0.8 * (30 - 10)


def test_quantiles_without_a_bucket_take_every_value(database):
    values = select(literal(7, Integer).label("value")).union_all(
        select(literal(3, Integer).label("value"))
    )
    assert quantiles(values, (MEDIAN,)) == {None: {MEDIAN: 5}}


def test_quantiles_leave_out_empty_input_and_nulls(database):
    values = select(literal(None, Integer).label("value"))
    assert quantiles(values, (MEDIAN,)) == {}


# The examples only read literal SELECTs, so sharing one transaction is harmless.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["w1", "w2", "w3"]),
        st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=25),
        min_size=1,
    )
)
def test_quantiles_agree_with_python_statistics(database, by_bucket):
    pairs = [(bucket, value) for bucket, values in by_bucket.items() for value in values]
    found = quantiles(_values(pairs), (MEDIAN, P90))
    assert found.keys() == by_bucket.keys()
    for bucket, values in by_bucket.items():
        expected = _expected(values)
        assert found[bucket][MEDIAN] == pytest.approx(expected[MEDIAN])
        assert found[bucket][P90] == pytest.approx(expected[P90])


def test_week_and_month_buckets_and_epoch_seconds_in_sql(world):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    # A Sunday late in the evening (UTC): its week began on Monday the 26th.
    topic.created_at = datetime(2026, 11, 1, 23, 30, 5, 900_000, tzinfo=UTC)
    db.session.commit()
    week, month, seconds = db.session.execute(
        select(
            week_start(Topic.created_at),
            month_start(Topic.created_at),
            epoch_seconds(Topic.created_at),
        ).where(Topic.id == topic.id)
    ).one()
    assert week == "2026-10-26"
    assert month == "2026-11"
    assert seconds == int(datetime(2026, 11, 1, 23, 30, 5, tzinfo=UTC).timestamp())


def test_weeks_and_months_between_cover_partial_ones():
    assert weeks_between(date(2026, 11, 4), date(2026, 11, 16)) == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert months_between(date(2026, 11, 30), date(2027, 2, 1)) == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    assert weeks_between(date(2026, 11, 2), date(2026, 11, 2)) == [date(2026, 11, 2)]
