"""Each customer in view, summarised once per filter state: the table most charts count from.

One row per customer with at least one event that passes the filters:
``customer_key``, ``first_ts`` (first event), ``first_<r>`` (time of the first event in the stage of
rank ``r`` of the stage order; null when the customer has none), ``last_<r>`` (of the last such event,
for every stage but the first: only an ordered funnel reads them, for its later steps)
and the segment attributes at the customer's first event in view (event order: time, stage
order, row). Attributes recorded at load as constant per customer are left out of a filtered
summary and read from the unfiltered one (``summary_with_segments``): carrying text through a
million-group aggregate cost more than looking it up.

When the filters keep whole customers (``EventDataset.selects_customers_only``: a stage filter,
segments that never change within a customer), every per-customer table is the unfiltered one
narrowed to the customers selected, so it is never recomputed from the touchpoints.
"""
from __future__ import annotations

from collections.abc import Callable

import ibis

from .dataset import EventDataset


def customer_summary(events: EventDataset) -> ibis.Table:
    """The per-customer table described above (computed in one pass, shared by every chart)."""
    return events.remember(("summary",), lambda: _summary(events))


def _summary(events: EventDataset) -> ibis.Table:
    if events.selects_customers_only:
        whole = customer_summary(events.unfiltered())
        conditions = _selection(events, whole)
        return events.shared(whole.filter(*conditions)) if conditions else whole  # e.g. only a time zone chosen
    t = events.table
    ranks = range(len(events.stage_order))
    carried = events.segments if events.filters.is_default_view() else [c for c in events.segments if c not in events.constant_segments]
    columns = {
        **{first_column(r): _in_stage(t, r).min() for r in ranks},
        **{last_column(r): _in_stage(t, r).max() for r in ranks[1:]},
        **{column: _at_first_event(events, column) for column in carried},
    }
    if events.every_touchpoint_staged:  # the first touchpoint is the earliest first time in a stage: one aggregate less
        grouped = t.group_by("customer_key").aggregate(**columns)
        firsts = [grouped[first_column(r)] for r in ranks]
        summary = grouped.select("customer_key", first_ts=ibis.least(*firsts) if len(firsts) > 1 else firsts[0],
                                 **{c: grouped[c] for c in columns})
    else:
        summary = t.group_by("customer_key").aggregate(first_ts=t.ts.min(), **columns)
    return events.shared(summary)


def customer_segments(events: EventDataset) -> ibis.Table:
    """customer_key plus every segment attribute: the customer's value at their first event in view."""
    return summary_with_segments(events).select("customer_key", *events.segments)


def summary_with_segments(events: EventDataset, attributes=None, **columns: ibis.Value) -> ibis.Table:
    """customer_key, the segment ``attributes`` (default: all) and ``columns`` (expressions over the per-customer
    summary). Constant attributes missing from a filtered summary are looked up in the unfiltered one (a join
    only then, and only for the attributes asked for)."""
    summary = customer_summary(events)
    attributes = list(events.segments if attributes is None else attributes)
    present = [c for c in attributes if c in summary.columns]
    table = summary.select("customer_key", *present, **columns)
    missing = [c for c in attributes if c not in summary.columns]
    if missing:
        whole = customer_summary(events.unfiltered())
        table = table.join(whole.select("customer_key", *missing), "customer_key")
    return table


def _in_stage(t: ibis.Table, rank: int) -> ibis.Value:
    """The time of events in the stage of rank ``rank``, null for the others (an expression, not a filtered
    aggregate: in DuckDB as fast as filtered aggregates for nine of them, and faster for more; measured)."""
    return ibis.cases((t.stage_rank == rank, t.ts), else_=ibis.null(t.ts.type()))


def _at_first_event(events: EventDataset, column: str) -> ibis.Scalar:
    """A segment's value at the customer's first event in view. For an attribute that never changes within
    a customer (recorded at load) that is simply its value, read with any_value() instead of an ordered pick."""
    t = events.table
    return t[column].arbitrary() if column in events.constant_segments else t[column].argmin(t.seq)


def per_customer(events: EventDataset, what: tuple, build: Callable[[EventDataset], ibis.Table]) -> ibis.Table:
    """``build(events)``, a shared table with one row per customer, named by ``what`` (its kind and options).
    For filters that keep whole customers it is built once over all events (and reused by every such
    filter), then narrowed to the customers in view."""
    def narrowed() -> ibis.Table:
        if events.selects_customers_only:
            whole = per_customer(events.unfiltered(), what, build)
            return events.shared(whole.semi_join(customer_summary(events), "customer_key"))
        return build(events)

    return events.remember(what, narrowed)


def _selection(events: EventDataset, summary: ibis.Table) -> list[ibis.BooleanValue]:
    """The filters as conditions on the unfiltered summary (valid only when they keep whole customers)."""
    state = events.filters
    conditions = [summary[column].isin(list(values)) for column, values in state.segments]
    if state.stages:
        reached = [summary[first_column(events.stage_order.index(s))].notnull() for s in state.stages]
        conditions.append(ibis.or_(*reached))
    return conditions


def first_column(rank: int) -> str:
    return f"first_{rank}"


def last_column(rank: int) -> str:
    return f"last_{rank}"


CONVERSION_WORDS = ("conversion", "purchase", "buy", "action", "convert", "order")


def conversion_stage(order: list[str]) -> str | None:
    """The stage that counts as converting: the first named like conversion/purchase/buy/action, else None."""
    for stage in order:
        if any(word in stage for word in CONVERSION_WORDS):
            return stage
    return None


def converted_flag(events: EventDataset, summary: ibis.Table) -> ibis.Value:
    """1 for a customer of the summary with an event in the conversion stage (in view), else 0 (int64)."""
    return first_in_stage(events, summary, conversion_stage(events.stage_order)).notnull().cast("int64")


def first_in_stage(events: EventDataset, summary: ibis.Table, stage: str | None) -> ibis.Value:
    """The summary's first-event time in ``stage`` (a null timestamp when there is no such stage)."""
    if stage is None or stage not in events.stage_order:
        return summary.first_ts.nullif(summary.first_ts)  # a null column (a scalar has no .count())
    return summary[first_column(events.stage_order.index(stage))]


def customer_ids(events: EventDataset) -> ibis.Table:
    """customer_key, customer_id for every customer of the dataset (filters ignored; join to it
    only to label the customers in a result)."""
    whole = events.unfiltered()

    def build() -> ibis.Table:
        base = whole.base_table
        return whole.shared(base.group_by("customer_key").aggregate(customer_id=base.customer_id.min()))

    return whole.remember(("ids",), build)
