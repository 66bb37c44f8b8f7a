"""Shared pieces of the counting model.

Within a customer, events are ordered by timestamp, ties broken by the stage order
(``stage_rank``), then by the original row order (``row_id``). Counts are unique
customers unless a function says otherwise.
"""
from __future__ import annotations

from datetime import timedelta

import ibis

from .codes import CODED, encode, is_coded
from .customers import summary_with_segments
from .dataset import EventDataset
from .errors import OptionError

DIMENSIONS = {"stage": "Stage", "channel": "Channel", "touchpoint": "Touchpoint"}
EVENT_ORDER = ("seq",)  # stored: customer, time, stage rank, row


def check_dimension(events: EventDataset, dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise OptionError("dimension", dimension, "one of 'stage', 'channel' or 'touchpoint'")
    if dimension == "stage" and not events.has_stages:
        raise OptionError("dimension", dimension, "'channel' or 'touchpoint': this dataset has no stages")
    return dimension


def step_column(events: EventDataset, dimension: str, steps: list[str]) -> tuple[str, list]:
    """(column, values) to match steps on: integer stage ranks for stages, the channel or touchpoint codes
    where the dataset has them (a filtered view has no text for them: see ``EventDataset.table``), else text."""
    if dimension == "stage":
        order = events.stage_order
        unknown = [s for s in steps if s not in order]
        if unknown:
            raise OptionError("steps", unknown, f"stages of this dataset ({', '.join(order)})")
        return "stage_rank", [order.index(s) for s in steps]
    if is_coded(events, dimension):
        return CODED[dimension], [encode(events, dimension, s) for s in steps]
    return dimension, list(steps)


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


def customer_attribute(events: EventDataset, column: str) -> ibis.Table:
    """customer_key, segment: the customer's value of ``column`` at their first event in view."""
    segments = summary_with_segments(events, [column])
    return segments.select("customer_key", segment=segments[column])
