"""Flows: each customer's path over the first N steps, as Sankey links and top paths.

A path is the customer's sequence of stage, channel or touchpoint values in event
order (time, then stage order, then row order), consecutive repeats collapsed unless
asked otherwise. Paths shorter than N end in an "End" node. Each customer contributes
one path, so every number is unique customers. Paths are computed once per call in
the engine and come back as distinct paths with their customer counts.
"""
from __future__ import annotations

import ibis
import pandas as pd

from .codes import decode, encode, step_value
from .customers import conversion_stage, converted_flag, customer_summary, per_customer
from .dataset import EventDataset
from .errors import OptionError
from .journeys import check_dimension

END = "End"
OTHER = "Other"
MAX_STEPS = 10
DEFAULT_STEPS = 5
WIDTHS = (5, MAX_STEPS)  # steps kept per customer: the default five, or all ten when more are asked for


def path_width(max_steps: int) -> int:
    """How many steps per customer to keep for a flow of ``max_steps`` steps (fewer columns, a faster pass)."""
    return next(width for width in WIDTHS if max_steps <= width)


def customer_paths(events: EventDataset, *, dimension: str = "stage", collapse_repeats: bool = True,
                   anchor: str | None = None, anchor_mode: str = "start", width: int = MAX_STEPS) -> ibis.Table:
    """One row per customer on a path: customer_key and s1..s<width>, the first ``width`` steps as codes (see
    ``dashboard.codes``; None after the path ends; with ``anchor_mode='end'`` the last steps up to
    the anchor, the anchor at s<width>); for stage paths without an anchor also ``converted`` (1 when the customer
    has a conversion-stage touchpoint in view). Computed once per filter state and options; every Sankey and
    path table is counted from it."""
    what = ("paths", dimension, collapse_repeats, anchor, anchor_mode, width)
    return per_customer(events, what, lambda view: view.shared(_paths(view, dimension, collapse_repeats, anchor, anchor_mode, width)))


def _paths(events: EventDataset, dimension: str, collapse_repeats: bool, anchor: str | None, anchor_mode: str,
           width: int) -> ibis.Table:
    t = events.table
    steps = t.select("customer_key", "seq", value=step_value(events, t, dimension))
    if anchor is not None:
        first = steps.filter(steps.value == encode(events, dimension, anchor)).group_by("customer_key").aggregate(anchor_seq=steps.seq.min())
        steps = steps.join(first, "customer_key")
        steps = steps.filter(steps.seq >= steps.anchor_seq) if anchor_mode == "start" else steps.filter(steps.seq <= steps.anchor_seq)
    if collapse_repeats:  # the window goes in a column first: Spark cannot resolve it inside a filter
        steps = steps.mutate(starts=_starts_run(events, steps))
        steps = steps.filter(steps.starts).drop("starts")
    if anchor is not None and anchor_mode == "end":
        back = ibis.row_number().over(group_by=steps.customer_key, order_by=steps.seq.desc())
        steps = steps.mutate(pos=width - back).filter(lambda s: s.pos >= 1)
    else:
        steps = steps.mutate(pos=ibis.row_number().over(group_by=steps.customer_key, order_by=steps.seq) + 1)
    target = conversion_stage(events.stage_order)
    if dimension == "stage" and anchor is None and target is not None:
        # every stage of the customer's path is still here (collapsing keeps one touchpoint per run), so whether
        # they converted is read in the same pass instead of from the per-customer summary
        converted = {"converted": (steps.value == events.stage_order.index(target)).any().cast("int64")}
    else:
        converted, steps = {}, steps.filter(steps.pos <= width)
    columns = {f"s{i}": steps.value.max(where=steps.pos == i) for i in range(1, width + 1)}
    return steps.group_by("customer_key").aggregate(**columns, **converted)


def _starts_run(events: EventDataset, steps: ibis.Table) -> ibis.BooleanValue:
    """True where a step's value differs from the customer's previous step (their first step included).

    With one global event order (uploaded data) the previous row in that order is compared, customer
    included: one sort of all rows, which DuckDB does far faster than one per customer. A connected
    table's order is per customer, so there the window is per customer (never one partition on a cluster)."""
    if events.global_order:
        order = ibis.window(order_by=steps.seq)
        previous, previous_customer = steps.value.lag().over(order), steps.customer_key.lag().over(order)
        return previous_customer.isnull() | (previous_customer != steps.customer_key) | (previous != steps.value)
    previous = steps.value.lag().over(group_by=steps.customer_key, order_by=steps.seq)
    return previous.isnull() | (previous != steps.value)


def path_counts(events: EventDataset, *, dimension: str = "stage", max_steps: int = DEFAULT_STEPS, collapse_repeats: bool = True,
                anchor: str | None = None, anchor_mode: str = "start") -> pd.DataFrame:
    """Distinct paths: columns s1..sN (None after a path ends), customers, converted (customers on the
    path who reached the conversion stage in the filtered events).

    ``anchor`` with ``anchor_mode='start'`` starts each path at the customer's first occurrence of the
    value; ``'end'`` keeps the steps leading up to (and including) that first occurrence, with the
    anchor at step N. Customers without the anchor are left out."""
    check_dimension(events, dimension)
    if not 1 <= int(max_steps) <= MAX_STEPS:
        raise OptionError("max_steps", max_steps, f"a whole number from 1 to {MAX_STEPS}")
    if anchor_mode not in ("start", "end"):
        raise OptionError("anchor_mode", anchor_mode, "'start' or 'end'")
    max_steps = int(max_steps)
    width = path_width(max_steps)
    full = customer_paths(events, dimension=dimension, collapse_repeats=collapse_repeats, anchor=anchor, anchor_mode=anchor_mode,
                          width=width)
    kept = range(1, max_steps + 1) if anchor is None or anchor_mode == "start" else range(width - max_steps + 1, width + 1)
    columns = [f"s{i}" for i in range(1, max_steps + 1)]
    carried = ["converted"] if "converted" in full.columns else []
    wide = full.select("customer_key", *carried, **{name: full[f"s{i}"] for name, i in zip(columns, kept)})
    if not carried:
        summary = customer_summary(events)
        wide = wide.join(summary.select("customer_key", converted=converted_flag(events, summary)), "customer_key")
    grouped = wide.group_by(columns).aggregate(customers=wide.count(), converted=wide.converted.sum())
    frame = grouped.execute()
    for column in columns:
        frame[column] = decode(events, dimension, frame[column])
    order = frame[columns].fillna("")  # ties in a stable order: by path, paths that end sooner first
    frame = frame.iloc[sorted(range(len(frame)), key=lambda i: (-frame["customers"].iat[i], tuple(order.iloc[i])))]
    return frame.reset_index(drop=True)


def group_rare(paths: pd.DataFrame, min_share: float) -> pd.DataFrame:
    """Replace values whose share of the customers at their step is below ``min_share`` by "Other"."""
    if min_share <= 0 or paths.empty:
        return paths
    paths = paths.copy()
    for column in [c for c in paths.columns if c.startswith("s") and c[1:].isdigit()]:
        present = paths[column].notna()
        share = paths[present].groupby(column)["customers"].sum() / paths.loc[present, "customers"].sum()
        rare = set(share[share < min_share].index)
        paths.loc[paths[column].isin(rare), column] = OTHER
    step_columns = [c for c in paths.columns if c.startswith("s") and c[1:].isdigit()]
    return paths.groupby(step_columns, dropna=False, as_index=False)[["customers", "converted"]].sum()


RARE_SHARES = (0.01, 0.02, 0.05, 0.10)  # the thresholds "Group rare into Other" offers
MAX_NODES_PER_STEP = 12  # more values than this in one step and the Sankey's labels run into each other


def auto_rare_share(paths: pd.DataFrame, max_nodes: int = MAX_NODES_PER_STEP) -> float:
    """The smallest of ``RARE_SHARES`` (or 0: none) that leaves every step with at most ``max_nodes`` values
    besides "Other" (the largest threshold when none does)."""
    for share in (0.0, *RARE_SHARES):
        grouped = group_rare(paths, share)
        steps = [c for c in grouped.columns if c.startswith("s") and c[1:].isdigit()]
        if all(grouped[c].dropna().loc[lambda v: v != OTHER].nunique() <= max_nodes for c in steps):
            return share
    return RARE_SHARES[-1]


def links_from_paths(paths: pd.DataFrame) -> pd.DataFrame:
    """Sankey links: step (the source's 1-based position), source, target, customers.
    A path that ends before the last step links to "End" once."""
    steps = [c for c in paths.columns if c.startswith("s") and c[1:].isdigit()]
    rows = []
    for i, column in enumerate(steps[:-1], start=1):
        here = paths[paths[column].notna()]
        target = here[steps[i]].where(here[steps[i]].notna(), END)
        rows.append(pd.DataFrame({"step": i, "source": here[column], "target": target, "customers": here["customers"]}))
    if not rows:
        return pd.DataFrame(columns=["step", "source", "target", "customers"])
    links = pd.concat(rows).groupby(["step", "source", "target"], as_index=False)["customers"].sum()
    links["customers"] = links["customers"].astype("int64")
    return links.sort_values(["step", "customers", "source", "target"], ascending=[True, False, True, True]).reset_index(drop=True)


def flow(events: EventDataset, *, dimension: str = "stage", max_steps: int = DEFAULT_STEPS, collapse_repeats: bool = True,
         anchor: str | None = None, anchor_mode: str = "start", min_share: float = 0.0) -> pd.DataFrame:
    """Sankey links of the first ``max_steps`` steps. Columns: step, source, target, customers
    (step = the source's 1-based position; the target is at step+1; "End" where a path stops)."""
    paths = path_counts(events, dimension=dimension, max_steps=max_steps, collapse_repeats=collapse_repeats,
                        anchor=anchor, anchor_mode=anchor_mode)
    return links_from_paths(group_rare(paths, min_share))


def paths_table(paths: pd.DataFrame, limit: int = 20) -> pd.DataFrame:
    """Top paths from path counts. Columns: path (" → "), customers, share (% of all customers in view),
    conversion_rate (% of the path's customers who reached the conversion stage)."""
    steps = [c for c in paths.columns if c.startswith("s") and c[1:].isdigit()]
    total = paths["customers"].sum()
    text = paths[steps].apply(lambda row: " → ".join(v for v in row if v is not None and v == v), axis=1) if len(paths) else pd.Series(dtype=str)
    frame = pd.DataFrame({"path": text, "customers": paths["customers"], "converted": paths["converted"]})
    frame = frame.groupby("path", as_index=False).sum().sort_values(["customers", "path"], ascending=[False, True])
    frame["share"] = frame["customers"] / total * 100 if total else 0.0
    frame["conversion_rate"] = frame["converted"] / frame["customers"] * 100
    frame["customers"] = frame["customers"].astype("int64")
    return frame[["path", "customers", "share", "conversion_rate"]].head(limit).reset_index(drop=True)


def top_paths(events: EventDataset, *, dimension: str = "stage", max_steps: int = DEFAULT_STEPS, limit: int = 20,
              collapse_repeats: bool = True, anchor: str | None = None, anchor_mode: str = "start") -> pd.DataFrame:
    """The most common paths. Columns: path, customers, share (% of all customers in the view),
    conversion_rate (% of the path's customers who reached the conversion stage)."""
    paths = path_counts(events, dimension=dimension, max_steps=max_steps, collapse_repeats=collapse_repeats,
                        anchor=anchor, anchor_mode=anchor_mode)
    return paths_table(paths, limit)
