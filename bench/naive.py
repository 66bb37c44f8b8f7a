"""Plain-pandas implementations of the same definitions: the benchmark baseline and a test oracle."""
from __future__ import annotations

import numpy as np
import pandas as pd


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["customer_key", "ts", "stage_rank", "row_id"], na_position="last")


def funnel_counts(frame: pd.DataFrame, steps: list[str], window_s: float | None = None, column: str = "stage") -> list[int]:
    """Ordered funnel, customer by customer."""
    reached = ordered_progress(frame, steps, window_s, column)["reached"]
    return [int((reached >= j).sum()) for j in range(1, len(steps) + 1)]


def ordered_progress(frame: pd.DataFrame, steps: list[str], window_s: float | None = None, column: str = "stage") -> pd.DataFrame:
    """Per entering customer: customer_key, reached (steps of the ordered funnel), t_last (when the last step was
    reached, for customers who reached every step; else NaT)."""
    rows = []
    hits = frame[frame[column].isin(steps)]
    for key, events in hits.groupby("customer_key", sort=False):
        times = {s: np.sort(events.loc[events[column] == s, "ts"].to_numpy()) for s in steps}
        if not len(times[steps[0]]):
            continue
        t1 = times[steps[0]][0]
        current, reached = t1, 1
        for step in steps[1:]:
            later = times[step][times[step] >= current]
            if window_s is not None:
                later = later[(later - t1) / np.timedelta64(1, "s") <= window_s]
            if not len(later):
                break
            current, reached = later[0], reached + 1
        rows.append((key, reached, current if reached == len(steps) else pd.NaT))
    return pd.DataFrame(rows, columns=["customer_key", "reached", "t_last"])


def paths(frame: pd.DataFrame, column: str = "stage", max_steps: int = 5) -> pd.Series:
    """Each customer's path (tuple of the first max_steps values, repeats collapsed)."""
    ordered = _sorted(frame)
    result = {}
    for key, values in ordered.groupby("customer_key", sort=False)[column]:
        path = []
        for v in values.fillna("(none)"):
            if not path or path[-1] != v:
                path.append(v)
            if len(path) == max_steps:
                break
        result[key] = tuple(path)
    return pd.Series(result)


def flow_links(frame: pd.DataFrame, column: str = "stage", max_steps: int = 5) -> pd.DataFrame:
    rows = []
    for path in paths(frame, column, max_steps):
        for i, value in enumerate(path, start=1):
            if i < max_steps:
                rows.append((i, value, path[i] if i < len(path) else "End"))
    links = pd.DataFrame(rows, columns=["step", "source", "target"])
    return links.groupby(["step", "source", "target"]).size().rename("customers").reset_index()


def durations(frame: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    firsts = frame[frame["stage"].isin(stages)].groupby(["customer_key", "stage"])["ts"].min().unstack()
    rows = []
    for a, b in zip(stages, stages[1:]):
        if a not in firsts or b not in firsts:
            continue
        gap = ((firsts[b] - firsts[a]).dt.total_seconds()).dropna()
        ok = gap[gap >= 0]
        rows.append({"from_stage": a, "to_stage": b, "customers": len(ok),
                     **{n: ok.quantile(q) for n, q in (("p25", .25), ("median", .5), ("p75", .75), ("p90", .9))},
                     "out_of_order": int((gap < 0).sum())})
    return pd.DataFrame(rows)


# --- vectorised pandas versions (the fair baseline for the page benchmark) --------------------

def funnel_vectorised(frame: pd.DataFrame, steps: list[str], column: str = "stage") -> list[int]:
    hits = frame.loc[frame[column].isin(steps), ["customer_key", "ts", column]]
    current = hits[hits[column] == steps[0]].groupby("customer_key")["ts"].min().rename("t").to_frame()
    counts = [len(current)]
    for step in steps[1:]:
        candidates = hits[hits[column] == step].merge(current, left_on="customer_key", right_index=True)
        candidates = candidates[candidates["ts"] >= candidates["t"]]
        current = candidates.groupby("customer_key")["ts"].min().rename("t").to_frame()
        counts.append(len(current))
    return counts


def path_counts_vectorised(frame: pd.DataFrame, column: str = "stage", max_steps: int = 5) -> pd.DataFrame:
    f = frame.sort_values(["customer_key", "ts", "stage_rank", "row_id"])[["customer_key", column]]
    values = f[column].fillna("(none)")
    keep = f["customer_key"].ne(f["customer_key"].shift()) | values.ne(values.shift())
    f = f.assign(value=values)[keep]
    f = f.assign(pos=f.groupby("customer_key").cumcount() + 1)
    f = f[f["pos"] <= max_steps]
    wide = f.pivot(index="customer_key", columns="pos", values="value")
    wide.columns = [f"s{c}" for c in wide.columns]
    for i in range(1, max_steps + 1):
        wide[f"s{i}"] = wide.get(f"s{i}")
    return wide.value_counts(dropna=False).rename("customers").reset_index()


def durations_vectorised(frame: pd.DataFrame, stages: list[str]) -> pd.DataFrame:
    return durations(frame, stages)
