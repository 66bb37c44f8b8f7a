"""Shared pieces of the counting model.

Within a customer, events are ordered by timestamp, ties broken by the stage order
(``stage_rank``), then by the original row order (``row_id``). Counts are unique
customers unless a function says otherwise.
"""
from __future__ import annotations

from datetime import timedelta

import ibis

from .dataset import EventDataset
from .errors import OptionError

DIMENSIONS = {"stage": "Stage", "channel": "Channel", "touchpoint": "Touchpoint"}
EVENT_ORDER = ("ts", "stage_rank", "row_id")


def check_dimension(events: EventDataset, dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise OptionError("dimension", dimension, "one of 'stage', 'channel' or 'touchpoint'")
    if dimension == "stage" and not events.has_stages:
        raise OptionError("dimension", dimension, "'channel' or 'touchpoint': this dataset has no stages")
    return dimension


def default_steps(events: EventDataset) -> tuple[str, list[str]]:
    """(dimension, steps): the stage order, or the most frequent touchpoints when there are no stages."""
    if events.has_stages:
        return "stage", events.stage_order
    return "touchpoint", events.values("touchpoint")[:4]


def window_seconds(window: timedelta | None) -> int | None:
    if window is None:
        return None
    if not isinstance(window, timedelta) or window.total_seconds() <= 0:
        raise OptionError("window", window, "a positive datetime.timedelta, or None for no window")
    return int(window.total_seconds())


def seconds_between(later: ibis.Value, earlier: ibis.Value) -> ibis.Value:
    """Whole seconds from ``earlier`` to ``later`` (portable across backends)."""
    return later.epoch_seconds() - earlier.epoch_seconds()


def customer_attribute(table: ibis.Table, column: str) -> ibis.Table:
    """customer_key → the customer's value of ``column`` at their first event (ties: smallest value)."""
    first = table.group_by("customer_key").aggregate(first_ts=table.ts.min())
    joined = table.join(first, [table.customer_key == first.customer_key, table.ts == first.first_ts])
    return joined.group_by(table.customer_key).aggregate(segment=joined[column].min())
