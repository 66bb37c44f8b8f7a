"""Load benchmark: 1M-row Parquet and CSV into the store, 10M-row Parquet peak memory.

Prints a table beside a naive baseline (pandas read + to_datetime + to_parquet, no
quality report, no customer codes). Run: ``make bench`` or ``python bench/bench_load.py [--big-rows N]``.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import write_csv, write_parquet  # noqa: E402

CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
mode, path, store = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "journey-lens":
    from dashboard import DatasetStore, read_events
else:
    import pandas as pd
start = time.perf_counter()
if mode == "journey-lens":
    ds = read_events(path, store=DatasetStore(store))
    rows = ds.quality["rows_kept"]
else:
    frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, dtype=str)
    frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
    frame = frame.dropna(subset=["customer_id", "event_time"])
    frame.to_parquet(os.path.join(store, "naive.parquet"))
    rows = len(frame)
print(json.dumps({{"seconds": time.perf_counter() - start, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(mode: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory() as store:
        out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(path), store],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        files = {
            f"{args.rows / 1e6:g}M-row Parquet": write_parquet(args.rows, scratch / "small.parquet"),
            f"{args.rows / 1e6:g}M-row CSV": write_csv(args.rows, scratch / "small.csv"),
        }
        if args.big_rows:
            files[f"{args.big_rows / 1e6:g}M-row Parquet"] = write_parquet(args.big_rows, scratch / "big.parquet")
        print(f"| file | Journey Lens s | peak MB | naive pandas s | naive peak MB | ratio |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, path in files.items():
            ours, naive = run("journey-lens", path), run("naive", path)
            print(f"| {label} | {ours['seconds']:.2f} | {ours['peak_mb']:.0f} | {naive['seconds']:.2f} | {naive['peak_mb']:.0f} | "
                  f"{naive['seconds'] / ours['seconds']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
