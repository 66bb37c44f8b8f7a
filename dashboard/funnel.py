"""Funnels: how many customers reach each step, in order or in any order, within a window.

Ordered: a customer enters at their first step-1 event (t1) and reaches step j at
their first step-j event at or after the time they reached step j−1; with a window W
every step must also fall within W of t1. Any order: step j is reached when the
customer has events in all of steps 1..j (within W of t1, before or after, when W is
set). Counts are unique customers.
"""
from __future__ import annotations

from datetime import timedelta

import ibis
import numpy as np
import pandas as pd

from .dataset import EventDataset
from .customers import customer_ids, customer_summary, first_column, last_column, per_customer
from .errors import OptionError
from .journeys import check_dimension, customer_attribute, default_steps, seconds_between, step_column, window_seconds
from .numbers import count

ORDERS = ("ordered", "any")
MIN_SEGMENT = 30


def _resolve(events: EventDataset, steps, order: str, dimension: str | None) -> tuple[str, list[str]]:
    if order not in ORDERS:
        raise OptionError("order", order, "'ordered' or 'any'")
    default_dimension, default = default_steps(events)
    dimension = check_dimension(events, dimension or default_dimension)
    steps = list(steps) if steps else (default if dimension == default_dimension else events.values(dimension)[:4])
    if not steps:
        raise OptionError("steps", steps, "at least one step value")
    return dimension, steps


def _hits(events: EventDataset, steps: list[str], dimension: str) -> tuple[ibis.Table, ibis.Table, list]:
    """(events matching a step as customer_key/ts/value, entry per customer with t1, step keys)."""
    column, keys = step_column(events, dimension, steps)
    hits = _step_events(events, column, keys)
    entry = hits.filter(hits.value == keys[0]).group_by("customer_key").aggregate(t1=hits.ts.min())
    return hits, entry, keys


def _step_events(events: EventDataset, column: str, keys: list) -> ibis.Table:
    """customer_key, ts, value: the touchpoints in view whose ``column`` is one of ``keys``."""
    t = events.table
    return t.filter(t[column].isin(list(dict.fromkeys(keys)))).select("customer_key", "ts", value=t[column])


def funnel_customers(events: EventDataset, steps=None, *, order: str = "ordered", window: timedelta | None = None,
                     dimension: str | None = None) -> ibis.Table:
    """One row per entering customer: customer_key, t1 (entry time), reached (steps reached, 1..k),
    t_last (when every step was reached: the time the last one was; null for the others)."""
    dimension, steps = _resolve(events, steps, order, dimension)
    limit = window_seconds(window)
    what = ("funnel", tuple(steps), order, limit, dimension)
    return per_customer(events, what, lambda view: _progress(view, steps, order, limit, dimension))


def _progress(events: EventDataset, steps: list[str], order: str, limit: int | None, dimension: str) -> ibis.Table:
    if dimension == "stage" and order == "ordered" and events.stage_order[0] not in steps[1:]:  # (no last time kept for it)
        return events.shared(_ordered_from_summary(events, steps, limit))
    if dimension == "stage" and order == "any" and limit is None:
        progress = _any_order_from_summary(events, steps)
    else:
        hits, entry, keys = _hits(events, steps, dimension)
        if order == "ordered":
            start = entry.select("customer_key", "t1", reached=ibis.literal(1, "int32"), t_last=entry.t1)
            progress = _resumed(hits, start, keys, limit)
        else:
            progress = _any_order(hits, entry, keys, limit)
    return events.shared(_progress_columns(progress, len(steps)))


def _ordered_from_summary(events: EventDataset, steps: list[str], limit: int | None) -> ibis.Table:
    """The ordered funnel read off each customer's first and last time in every stage, where they decide it.

    Step j is reached at the first step-j time at or after t_{j-1}. The summary pins t_{j-1} between two times
    (lo, hi; equal while every step so far was reached at its stage's first time). Then step j's first and last
    times decide it when: the first is at or after hi (t_j is that first time, exactly); the last is before lo
    (not reached); or the first is before hi and the last at or after it (reached, t_j between the later of lo
    and the first, and the last). A window W adds: reached only when t_j is at most W after t1, decided when
    both bounds fall on one side. Only a customer left undecided at some step (step-j times on both sides of an
    unknown t_{j-1}), or who reached every step at a time not pinned exactly, is followed event by event, from
    the last step whose time is exact; everyone else is counted from the summary in one projection."""
    summary = customer_summary(events)
    ranks = [events.stage_order.index(s) for s in steps]
    entered = summary.filter(summary[first_column(ranks[0])].notnull())
    t1 = entered[first_column(ranks[0])]
    later = dict.fromkeys(ranks[1:])
    state = entered.select(*map(first_column, later), *map(last_column, later), customer_key="customer_key", t1=t1,
                           lo=t1, hi=t1, reached=ibis.literal(1, "int32"), status=ibis.literal(GOING, "int8"),
                           exact_reached=ibis.literal(1, "int32"), exact_t=t1)
    for j, rank in enumerate(ranks[1:], start=2):
        state = _next_step(state, j, rank, limit)  # the query grows linearly with the steps
    converted = (state.status == GOING) & (state.reached == len(steps))
    loop = (state.status == UNDECIDED) | (converted & (state.lo != state.hi))
    chain = events.shared(state.select("customer_key", "t1", "reached", "exact_reached", "exact_t", loop=loop,  # once
                                       t_last=ibis.cases((converted, state.hi), else_=ibis.null(t1.type()))))
    direct = chain.filter(~chain.loop)
    entry = chain.filter(chain.loop).select("customer_key", "t1", reached=chain.exact_reached, t_last=chain.exact_t)
    column, keys = step_column(events, "stage", steps)
    hits = _step_events(events, column, keys[1:])  # step 1 is not needed again: t1 came from the summary
    exact = _resumed(hits.semi_join(entry, "customer_key"), entry, keys, limit)
    return direct.select("customer_key", "t1", "reached", "t_last").union(_progress_columns(exact, len(steps)))


GOING, STOPPED, UNDECIDED = 0, 1, 2  # a customer's status while the summary decides the ordered funnel
EXACT, GONE, SURE, OPEN = 1, 2, 3, 4  # what a step's first and last times decide (0: customer not going)


def _next_step(state: ibis.Table, j: int, rank: int, limit: int | None) -> ibis.Table:
    """``state`` after step j (stage of rank ``rank``) for the customers still going (see above): two projections,
    what the step's times decide, then the new state."""
    def bounds(table: ibis.Table, step: ibis.Value) -> tuple[ibis.Value, ibis.Value]:
        """t_j's lower and upper bound once step j is reached (EXACT or SURE)."""
        first, last = table[first_column(rank)], table[last_column(rank)]
        return (ibis.cases((step == EXACT, first), else_=ibis.greatest(table.lo, first)),
                ibis.cases((step == EXACT, first), else_=last))

    first, last = state[first_column(rank)], state[last_column(rank)]
    step = ibis.cases((state.status != GOING, 0), (first >= state.hi, EXACT), (last.isnull() | (last < state.lo), GONE),
                      (last >= state.hi, SURE), else_=OPEN)
    if limit is not None:  # reached only within the window: decided when t_j's bounds are both in it or both out
        lo, hi = bounds(state, step)
        moved = (step == EXACT) | (step == SURE)
        step = ibis.cases((moved & (seconds_between(lo, state.t1) > limit), GONE),
                          (moved & (seconds_between(hi, state.t1) > limit), OPEN), else_=step)
    state = state.mutate(step=step.cast("int8"))
    step = state.step
    moved = (step == EXACT) | (step == SURE)
    lo, hi = bounds(state, step)
    return state.select(
        *[c for c in state.columns if c not in ("step", "lo", "hi", "reached", "status", "exact_reached", "exact_t")],
        lo=ibis.cases((moved, lo), else_=state.lo), hi=ibis.cases((moved, hi), else_=state.hi),
        reached=state.reached + moved.cast("int32"),
        status=ibis.cases((step == GONE, STOPPED), (step == OPEN, UNDECIDED), else_=state.status).cast("int8"),
        exact_reached=ibis.cases((step == EXACT, j), else_=state.exact_reached).cast("int32"),
        exact_t=ibis.cases((step == EXACT, state[first_column(rank)]), else_=state.exact_t))


def _resumed(hits: ibis.Table, entry: ibis.Table, keys: list, limit: int | None) -> ibis.Table:
    """Loop customers followed event by event from where the summary left them (``reached`` steps, the last at
    ``t_last``): step j is reached at their first step-j event at or after the time they reached step j-1."""
    base = entry.select("customer_key", "t1", base=entry.reached, t_prev=entry.t_last)
    advanced, levels = None, []
    for j, value in enumerate(keys[1:], start=2):
        waiting = base.filter(base.base == j - 1)
        waiting = waiting if advanced is None else waiting.union(advanced, distinct=False)
        candidates = hits.filter(hits.value == value)
        joined = candidates.join(waiting, "customer_key").filter(lambda r: r.ts >= r.t_prev)
        if limit is not None:
            joined = joined.filter(seconds_between(joined.ts, joined.t1) <= limit)
        advanced = joined.group_by(["customer_key", "t1", "base"]).aggregate(t_prev=joined.ts.min())
        levels.append(advanced)
    stacked = ibis.union(base, *levels, distinct=False)
    grouped = stacked.group_by(["customer_key", "t1", "base"]).aggregate(steps=stacked.count(), t_last=stacked.t_prev.max())
    return grouped.select("customer_key", "t1", reached=(grouped.base + grouped.steps - 1).cast("int32"), t_last=grouped.t_last)


def _progress_columns(table: ibis.Table, steps: int) -> ibis.Table:
    """customer_key, t1, reached (int32), t_last (null unless all ``steps`` were reached): the same schema from
    every way of computing progress."""
    done = table.reached == steps
    return table.select("customer_key", "t1", reached=table.reached.cast("int32"),
                        t_last=ibis.cases((done, table.t_last), else_=ibis.null(table.t1.type())))


def _any_order_from_summary(events: EventDataset, steps: list[str]) -> ibis.Table:
    """Any order without a window: step j is reached when the customer has a first time in every step up to j."""
    summary = customer_summary(events)
    firsts = [summary[first_column(events.stage_order.index(s))] for s in steps]
    reached, chain, last = ibis.literal(0), ibis.literal(True), firsts[0]
    for j, first in enumerate(firsts, start=1):
        chain = chain & first.notnull()
        reached = reached + chain.cast("int32")
        last = ibis.greatest(last, first) if j > 1 else last
    entered = summary.filter(firsts[0].notnull())
    return entered.select("customer_key", t1=firsts[0], reached=reached,
                          t_last=ibis.cases((reached == len(steps), last), else_=firsts[0]))


def _any_order(hits: ibis.Table, entry: ibis.Table, steps: list, limit: int | None) -> ibis.Table:
    joined = hits.join(entry, "customer_key")
    if limit is not None:
        gap = seconds_between(joined.ts, joined.t1)
        joined = joined.filter((gap <= limit) & (gap >= -limit))
    flags = {f"has_{j}": (joined.value == v).any() for j, v in enumerate(steps, start=1)}
    firsts = {f"first_{j}": joined.ts.min(where=joined.value == v) for j, v in enumerate(steps, start=1)}
    per = joined.group_by(["customer_key", "t1"]).aggregate(**flags, **firsts)
    reached = ibis.literal(0)
    chain = ibis.literal(True)
    last = per.t1
    for j in range(1, len(steps) + 1):
        chain = chain & per[f"has_{j}"]
        reached = reached + chain.cast("int32")
        last = ibis.greatest(last, per[f"first_{j}"]) if j > 1 else last
    return per.select("customer_key", "t1", reached=reached, t_last=ibis.cases((reached == len(steps), last), else_=per.t1))


def funnel(events: EventDataset, steps=None, *, order: str = "ordered", window: timedelta | None = None,
           dimension: str | None = None) -> pd.DataFrame:
    """Customers per step. Columns: step, customers, pct_of_first, pct_of_previous, dropped
    (customers who reached the previous step but not this one; 0 for the first step)."""
    dimension, steps = _resolve(events, steps, order, dimension)
    per = funnel_customers(events, steps, order=order, window=window, dimension=dimension)
    counts = per.aggregate(**{f"s{j}": (per.reached >= j).sum() for j in range(1, len(steps) + 1)}).execute()
    values = [count(counts[f"s{j}"].iloc[0]) for j in range(1, len(steps) + 1)]
    return _table(steps, values)


def _table(steps: list[str], values: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame({"step": steps, "customers": values})
    first = values[0] if values else 0
    previous = [values[0]] + values[:-1] if values else []
    frame["pct_of_first"] = [v / first * 100 if first else np.nan for v in values]
    frame["pct_of_previous"] = [v / p * 100 if p else np.nan for v, p in zip(values, previous)]
    frame["dropped"] = [p - v for v, p in zip(values, previous)]
    return frame


def funnel_breakdown(events: EventDataset, attribute: str, steps=None, *, order: str = "ordered",
                     window: timedelta | None = None, dimension: str | None = None) -> pd.DataFrame:
    """One funnel per value of a segment ``attribute`` (the customer's value at their first event).
    Columns: segment, step, customers, pct_of_first, pct_of_previous, dropped, segment_size, too_small."""
    if attribute not in events.segments:
        raise OptionError("attribute", attribute, f"one of {', '.join(events.segments) or 'no segment attributes'}")
    dimension, steps = _resolve(events, steps, order, dimension)
    per = funnel_customers(events, steps, order=order, window=window, dimension=dimension)
    segment = customer_attribute(events, attribute)
    joined = per.left_join(segment, "customer_key")
    grouped = joined.group_by(segment=joined.segment.fill_null("(blank)")).aggregate(
        **{f"s{j}": (joined.reached >= j).sum() for j in range(1, len(steps) + 1)}).execute()
    frames = []
    for row in grouped.sort_values(["s1", "segment"], ascending=[False, True]).itertuples(index=False):
        values = [int(getattr(row, f"s{j}")) for j in range(1, len(steps) + 1)]
        frame = _table(steps, values)
        frame.insert(0, "segment", row.segment)
        frame["segment_size"] = values[0]
        frame["too_small"] = values[0] < MIN_SEGMENT
        frames.append(frame)
    columns = ["segment", "step", "customers", "pct_of_first", "pct_of_previous", "dropped", "segment_size", "too_small"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def segment_test(breakdown: pd.DataFrame) -> dict:
    """Chi-square test of overall conversion (first → last step) across segments of 30+ customers.
    Returns {'p_value', 'segments_tested', 'significant'} (p_value NaN with fewer than 2 segments)."""
    from scipy.stats import chi2_contingency

    last = breakdown.groupby("segment", sort=False).tail(1)
    usable = last[~last["too_small"]]
    if len(usable) < 2:
        return {"p_value": float("nan"), "segments_tested": len(usable), "significant": False}
    table = np.array([usable["customers"], usable["segment_size"] - usable["customers"]]).T
    if (table.sum(axis=0) == 0).any():
        return {"p_value": 1.0, "segments_tested": len(usable), "significant": False}
    p_value = float(chi2_contingency(table)[1])
    return {"p_value": p_value, "segments_tested": len(usable), "significant": p_value < 0.05}


def conversion_over_time(events: EventDataset, steps=None, *, order: str = "ordered", window: timedelta | None = None,
                         freq: str = "week", dimension: str | None = None) -> pd.DataFrame:
    """Conversion by entry cohort. Columns: cohort (start of the week/month of t1, UTC), entered,
    converted (reached the last step), conversion_rate (%)."""
    if freq not in ("week", "month"):
        raise OptionError("freq", freq, "'week' or 'month'")
    dimension, steps = _resolve(events, steps, order, dimension)
    per = funnel_customers(events, steps, order=order, window=window, dimension=dimension)
    grouped = per.group_by(cohort=per.t1.truncate("W" if freq == "week" else "M")).aggregate(
        entered=per.count(), converted=(per.reached == len(steps)).sum())
    frame = grouped.execute().sort_values("cohort").reset_index(drop=True)
    frame["converted"] = frame["converted"].fillna(0).astype("int64")
    frame["conversion_rate"] = frame["converted"] / frame["entered"] * 100
    return frame


def time_to_convert(events: EventDataset, steps=None, *, order: str = "ordered", window: timedelta | None = None,
                    dimension: str | None = None) -> pd.DataFrame:
    """Converters only: customer_id and seconds from step 1 to the last step."""
    dimension, steps = _resolve(events, steps, order, dimension)
    per = funnel_customers(events, steps, order=order, window=window, dimension=dimension)
    done = per.filter(per.reached == len(steps))
    ids = customer_ids(events)
    out = done.join(ids, "customer_key").select("customer_id", seconds=seconds_between(done.t_last, done.t1))
    return out.order_by("seconds").execute()


def step_customers(events: EventDataset, step: int, steps=None, *, outcome: str = "dropped", order: str = "ordered",
                   window: timedelta | None = None, dimension: str | None = None) -> pd.DataFrame:
    """Customers who reached step ``step`` (1-based) and then dropped (``outcome='dropped'``) or continued.
    Columns: customer_id, entered_at, steps_reached."""
    dimension, steps = _resolve(events, steps, order, dimension)
    if not 1 <= step < len(steps) + (outcome == "dropped"):
        raise OptionError("step", step, f"a step number from 1 to {len(steps) - (outcome != 'dropped')}")
    per = funnel_customers(events, steps, order=order, window=window, dimension=dimension)
    chosen = per.filter(per.reached == step) if outcome == "dropped" else per.filter(per.reached > step)
    ids = customer_ids(events)
    out = chosen.join(ids, "customer_key").select("customer_id", entered_at=chosen.t1, steps_reached=chosen.reached)
    return out.order_by("customer_id").execute()
