"""Touchpoints counted per day, stage and channel: the table the Overview's totals and charts sum from.

For the whole dataset the counts are also split by the customer attributes that never change within a
customer and have few values (``rollup_segments``), and kept on disk beside the dataset. A filtered view
whose filters are whole UTC days, channels and those attributes is then answered from that table,
filtered, instead of from the touchpoints: its daily counts and its number of touchpoints
(``touchpoints_in_view``, which decides whether the view is small enough to copy) cost a read of a few
thousand rows, not a scan of every touchpoint. Any other filter (touchpoints, a stage reached, another
time zone, an attribute not in the table) and a connected table count from the view's touchpoints.
"""
from __future__ import annotations

import ibis

from .codes import NONE_CODE, encode, is_coded, step_value
from .dataset import EventDataset
from .loading import MAX_FILTER_VALUES  # an attribute listing this many values at load may have more
from .numbers import count

ROLLUP_MAX_GROUPS = 200  # the attributes' value combinations the whole-dataset counts are split by, at most


def rollup_segments(events: EventDataset) -> list[str]:
    """The constant attributes the whole-dataset counts are split by: in load order, each listing fewer than
    MAX_FILTER_VALUES values at load, while the product of their value counts (blank included) stays within
    ROLLUP_MAX_GROUPS."""
    chosen, groups = [], 1
    for column in events.segments:
        if column not in events.constant_segments:
            continue
        size = len(events.values(column)) + 1
        if len(events.values(column)) >= MAX_FILTER_VALUES or groups * size > ROLLUP_MAX_GROUPS:
            continue
        chosen.append(column)
        groups *= size
    return chosen


def daily_counts(events: EventDataset) -> ibis.Table:
    """Columns day (UTC), stage, channel (as codes, see ``dashboard.codes``), touchpoints, revenue (sum), and for
    the whole dataset the ``rollup_segments``: one row per combination present. Sum over the rows, never count them."""
    if events.filters.is_default_view():
        return _whole(events)
    if answered_by_whole(events):
        return _narrowed(events)

    return events.remember(("daily",), lambda: _counted(events))


def touchpoints_in_view(events: EventDataset) -> int | None:
    """The view's number of touchpoints when the whole-dataset counts can tell it (see above), else None."""
    if events.filters.is_default_view() or not answered_by_whole(events):
        return None
    counts = _narrowed(events)
    return count(counts.aggregate(n=counts.touchpoints.sum()).execute()["n"].iloc[0])


def _whole(events: EventDataset) -> ibis.Table:
    whole = events.unfiltered()
    split = rollup_segments(whole)
    return whole.remember(("daily", tuple(split)), lambda: _counted(whole, split))


def _counted(events: EventDataset, split: list[str] = ()) -> ibis.Table:
    """The view's touchpoints and revenue per day, stage, channel and the ``split`` attributes (one scan, shared)."""
    t = events.table
    keys = dict(day=t.ts.truncate("D"), stage=step_value(events, t, "stage"), channel=step_value(events, t, "channel"))
    grouped = t.group_by(**keys, **{column: t[column] for column in split})
    return events.shared(grouped.aggregate(touchpoints=t.count(), revenue=t.revenue.sum()))


def answered_by_whole(events: EventDataset) -> bool:
    """True when the view's filters are conditions the whole-dataset counts can apply exactly (its daily counts,
    revenue included, then come from them: the view's touchpoints need no revenue column)."""
    state = events.filters
    if events.is_connected or state.stages or state.touchpoints or ((state.date_from or state.date_to) and state.tz != "UTC"):
        return False
    if state.channels and not is_coded(events, "channel"):
        return False
    return all(column in rollup_segments(events) for column, _ in state.segments)


def _narrowed(events: EventDataset) -> ibis.Table:
    """The whole-dataset counts under the view's filters: the same touchpoints ``apply_filters`` keeps."""
    state = events.filters
    counts = _whole(events)
    conditions = []
    if state.date_from:
        conditions.append(counts.day >= ibis.timestamp(state.date_from.isoformat()))
    if state.date_to:
        conditions.append(counts.day <= ibis.timestamp(state.date_to.isoformat()))
    if state.channels:
        wanted = {encode(events, "channel", label) for label in state.channels} - {NONE_CODE}  # a blank is never kept
        conditions.append(counts.channel.isin(sorted(wanted)) if wanted else ibis.literal(False))
    for column, values in state.segments:
        conditions.append(counts[column].isin(list(values)))
    return counts.filter(*conditions) if conditions else counts

