"""Stage durations: time from a customer's first event in stage k to their first event in stage k+1.

Only customers with both stages count; when the second comes earlier than the first
the customer is counted as out of order and left out of the quantiles (not hidden).
Quantiles interpolate linearly; durations are in seconds.
"""
from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from .customers import customer_summary, first_in_stage, summary_with_segments
from .dataset import EventDataset
from .errors import OptionError
from .journeys import seconds_between

QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}


def _stages(events: EventDataset, stages) -> list[str]:
    if not events.has_stages:
        raise OptionError("stages", stages, "a dataset with a stage column (this one has none)")
    stages = list(stages) if stages else events.stage_order
    unknown = [s for s in stages if s not in events.stage_order]
    if unknown or len(stages) < 2:
        raise OptionError("stages", stages, "two or more stages of this dataset, in order")
    return stages


def _firsts(events: EventDataset, stages: list[str]) -> ibis.Table:
    """customer_key, f0, f1, …: each customer's first time in each of ``stages`` (null when never)."""
    summary = customer_summary(events)
    return summary.select("customer_key", **{f"f{i}": first_in_stage(events, summary, s) for i, s in enumerate(stages)})


def transition_seconds(events: EventDataset, from_stage: str, to_stage: str) -> ibis.Table:
    """customer_key, seconds: per customer with both stages (negative = out of order)."""
    firsts = _firsts(events, [from_stage, to_stage])
    both = firsts.filter(firsts.f0.notnull() & firsts.f1.notnull())
    return both.select("customer_key", seconds=seconds_between(both.f1, both.f0))


def stage_durations(events: EventDataset, *, stages=None, by: str | None = None) -> pd.DataFrame:
    """Per consecutive pair of ``stages`` (default: the stage order). Columns: from_stage, to_stage,
    customers, p25, median, p75, p90 (seconds), out_of_order (customers whose second stage came first);
    with ``by`` a segment attribute, a leading ``segment`` column."""
    stages = _stages(events, stages)
    if by is not None and by not in events.segments:
        raise OptionError("by", by, f"one of {', '.join(events.segments) or 'no segment attributes'}")
    summary = customer_summary(events)
    table = summary_with_segments(events, [by] if by else [], **{f"first_{i}": first_in_stage(events, summary, s) for i, s in enumerate(stages)})
    firsts = [table[f"first_{i}"] for i in range(len(stages))]
    columns = {}
    for i in range(len(stages) - 1):  # every transition in one pass over the per-customer summary
        gap = seconds_between(firsts[i + 1], firsts[i])
        columns[f"customers_{i}"] = (gap >= 0).sum()
        columns[f"out_of_order_{i}"] = (gap < 0).sum()
        columns[f"quantiles_{i}"] = gap.quantile(list(QUANTILES.values()), where=gap >= 0)  # one sort for all four
    keys = {"segment": table[by].fill_null("(blank)")} if by else {}
    wide = table.group_by(**keys).aggregate(**columns).execute() if by else table.aggregate(**columns).execute()
    parts = []
    for i in range(len(stages) - 1):
        quantiles = [q if isinstance(q, (list, tuple, np.ndarray)) else [np.nan] * len(QUANTILES) for q in wide[f"quantiles_{i}"]]
        part = pd.DataFrame({"from_stage": stages[i], "to_stage": stages[i + 1], "position": i,
                             **{name: wide[f"{name}_{i}"].to_numpy() for name in ("customers", "out_of_order")},
                             **{name: [float(q[k]) if q[k] is not None else np.nan for q in quantiles] for k, name in enumerate(QUANTILES)}})
        if by:
            part.insert(0, "segment", wide["segment"].to_numpy())
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    sort = ["segment", "position"] if by else ["position"]
    frame = frame.sort_values(sort).reset_index(drop=True)
    for column in ("customers", "out_of_order"):
        frame[column] = frame[column].fillna(0).astype("int64")
    columns = (["segment"] if by else []) + ["from_stage", "to_stage", "customers", *QUANTILES, "out_of_order"]
    return frame[columns]


def duration_histogram(events: EventDataset, from_stage: str, to_stage: str, *, max_bins: int = 24) -> pd.DataFrame:
    """Histogram of in-order durations (days) for one transition, customers counted once: see :func:`bin_days`."""
    seconds = transition_seconds(events, from_stage, to_stage)
    values = seconds.filter(seconds.seconds >= 0).seconds.execute() / 86400
    return bin_days(values, max_bins=max_bins)


BIN_WIDTHS_DAYS = (1 / 24, 3 / 24, 6 / 24, 0.5, 1, 2, 7, 14, 30, 60, 90, 180, 365)  # an hour … a year


def bin_days(days: pd.Series, *, max_bins: int = 24) -> pd.DataFrame:
    """Columns bin_start_days, bin_end_days, customers. Bins start at 0 and have the narrowest readable width
    (1, 3, 6, 12 hours, 1, 2, 7, 14, 30… days) that covers the 99th percentile in at most ``max_bins`` bins; each
    bin holds start < days ≤ end (the first also 0). Durations above the last bin are counted in one more, open
    bin (bin_end_days = inf), so a few very slow customers do not squeeze the rest into one bar."""
    days = pd.Series(days, dtype="float64").dropna()
    if days.empty:
        return pd.DataFrame(columns=["bin_start_days", "bin_end_days", "customers"])
    top = float(np.quantile(days, 0.99))
    width = next((w for w in BIN_WIDTHS_DAYS if top / w <= max_bins), BIN_WIDTHS_DAYS[-1])
    bins = max(int(np.ceil(top / width - 1e-9)), 1)
    edges = np.arange(bins + 1) * width
    index = np.clip(np.ceil(days.to_numpy() / width - 1e-9).astype(int) - 1, 0, bins)  # bin of start < d ≤ end; bins = open tail
    counts = np.bincount(index, minlength=bins + 1)
    table = pd.DataFrame({"bin_start_days": np.append(edges[:-1], edges[-1]), "bin_end_days": np.append(edges[1:], np.inf),
                          "customers": counts})
    return table if counts[-1] else table.iloc[:-1].reset_index(drop=True)


def readable_duration(seconds: float) -> str:
    """4500 → '1.2 h'; 200000 → '2.3 days'."""
    if seconds != seconds:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
