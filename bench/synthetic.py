"""Synthetic touchpoint extracts of any size for benchmarks (vectorised, seeded)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

STAGES = np.array(["awareness", "consideration", "conversion", "retention", "advocacy"])
CHANNELS = np.array(["web", "email", "paid ads", "social", "app", "chatbot", "call centre", "store"])
TOUCHPOINTS = np.array([f"touchpoint {i}" for i in range(40)])
REGIONS = np.array(["North America", "Europe", "Asia-Pacific", "Latin America"])
PLANS = np.array(["basic", "plus", "premium"])


def touchpoints(rows: int, customers: int | None = None, seed: int = 7) -> pa.Table:
    """``rows`` touchpoints of ``customers`` customers (default rows/10), unsorted, string ids."""
    rng = np.random.default_rng(seed)
    customers = customers or max(rows // 10, 1)
    cust = rng.integers(0, customers, rows)
    depth = rng.choice(5, size=customers, p=[.35, .3, .2, .1, .05])  # deepest stage each customer reaches
    stage = np.minimum(rng.integers(0, 5, rows), depth[cust])
    start = np.datetime64("2025-01-01T00:00:00", "s").astype("int64")
    offset_days = rng.uniform(0, 330, customers)
    ts = start + ((offset_days[cust] + stage * rng.exponential(9, rows) + rng.uniform(0, 3, rows)) * 86400).astype("int64")
    ids = np.char.add("C", np.char.zfill(cust.astype(str), 8))
    return pa.table({
        "customer_id": pa.array(ids),
        "event_time": pa.array(ts.astype("datetime64[s]"), pa.timestamp("s", tz="UTC")),
        "journey_stage": pa.array(STAGES[stage]),
        "channel": pa.array(CHANNELS[rng.integers(0, len(CHANNELS), rows)]),
        "touchpoint": pa.array(TOUCHPOINTS[rng.integers(0, len(TOUCHPOINTS), rows)]),
        "region": pa.array(REGIONS[cust % len(REGIONS)]),
        "plan": pa.array(PLANS[cust % len(PLANS)]),
        "revenue": pa.array(np.where(stage == 2, 99.0, np.nan)),
    })


def write_parquet(rows: int, path: Path, chunk: int = 2_000_000) -> Path:
    """Write ``rows`` touchpoints in chunks (bounded memory)."""
    writer = None
    for n, start in enumerate(range(0, rows, chunk)):
        table = touchpoints(min(chunk, rows - start), customers=max(rows // 10, 1), seed=n)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()
    return path


def write_csv(rows: int, path: Path) -> Path:
    import pyarrow.csv as pacsv

    table = touchpoints(rows)
    table = table.set_column(1, "event_time", pa.compute.strftime(table["event_time"], "%Y-%m-%d %H:%M:%S"))
    pacsv.write_csv(table, path)
    return path
