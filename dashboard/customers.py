"""Each customer in view, summarised once per filter state: the table most charts count from.

One row per customer with at least one event that passes the filters:
``customer_key``, ``touchpoints`` (events in view), ``first_ts`` (first event),
``revenue`` (sum; null without revenue), ``first_<r>`` (time of the first event in the stage of
rank ``r`` of the stage order; null when the customer has none) and every segment attribute at the
customer's first event in view (event order: time, stage order, row).
"""
from __future__ import annotations

import ibis

from .dataset import EventDataset


def customer_summary(events: EventDataset) -> ibis.Table:
    """The per-customer table described above (computed in one pass, shared by every chart)."""
    t = events.table
    columns = {
        "touchpoints": t.count(),
        "first_ts": t.ts.min(),
        "revenue": t.revenue.sum(),
        **{first_column(r): t.ts.min(where=t.stage_rank == r) for r in range(len(events.stage_order))},
        **{column: t[column].argmin(t.seq) for column in events.segments},
    }
    return events.shared(t.group_by("customer_key").aggregate(**columns))


def first_column(rank: int) -> str:
    return f"first_{rank}"


def first_in_stage(events: EventDataset, summary: ibis.Table, stage: str | None) -> ibis.Value:
    """The summary's first-event time in ``stage`` (a null timestamp when there is no such stage)."""
    if stage is None or stage not in events.stage_order:
        return summary.first_ts.nullif(summary.first_ts)  # a null column (a scalar has no .count())
    return summary[first_column(events.stage_order.index(stage))]


def customer_ids(events: EventDataset) -> ibis.Table:
    """customer_key, customer_id for every customer of the dataset (filters ignored; join to it
    only to label the customers in a result)."""
    base = events.base_table
    return events.unfiltered().shared(base.group_by("customer_key").aggregate(customer_id=base.customer_id.min()))
