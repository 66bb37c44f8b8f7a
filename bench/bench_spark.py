"""Spark benchmark: each page's computations on a local Spark session beside the embedded DuckDB.

The same synthetic Parquet extract (default 10M touchpoints, 1M customers) is loaded into the app
(DuckDB) and, separately, read by a local Spark session (``local[2]``) and connected as a table; the
page calls of ``bench_pages`` then run on both, with the numbers compared. Prints a table; run
``python bench/bench_spark.py [--rows N]`` (needs Java 17).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

from bench.bench_pages import COMBOS, PAGES, timed  # noqa: E402
from bench.synthetic import write_parquet  # noqa: E402
from dashboard import DatasetStore, read_events  # noqa: E402
from dashboard import flow, funnel  # noqa: E402

CONNECTION = "benchspark"
SHOWN = ["unfiltered", "region=Europe (25%)", "Europe + email (3%)"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    os.environ["JOURNEY_LENS_CONNECTION_" + CONNECTION.upper()] = f"spark://{args.master}?spark.sql.shuffle.partitions=8&spark.driver.memory=8g"
    from dashboard import sources
    from dashboard.ui.cache import ANALYTICS

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        source = write_parquet(args.rows, scratch / "events.parquet")
        os.environ["JOURNEY_LENS_STORE"] = str(scratch / "store")
        store = DatasetStore(scratch / "store")
        load_s, local = timed(lambda: read_events(source, store=store))
        start_s, con = timed(lambda: sources.backend(CONNECTION))
        con._session.read.parquet(str(source)).createOrReplaceTempView("touchpoints")
        connect_s, remote = timed(lambda: sources.connect_table(CONNECTION, "touchpoints", store=store))
        print(f"{args.rows:,} touchpoints. DuckDB: loaded in {load_s:.1f} s. Spark {args.master}: session {start_s:.1f} s, "
              f"connect (columns, values, report) {connect_s:.1f} s\n")
        print("| page | filters | DuckDB s | Spark s | same numbers |")
        print("|---|---|---:|---:|---|")
        for combo in SHOWN:
            state = COMBOS[combo]
            here, there = local.filter(state), remote.filter(state)
            for page, calls in PAGES.items():
                duck_s, duck = timed(lambda: [ANALYTICS[n](here, *a, **o) for n, a, o in calls])
                spark_s, spark = timed(lambda: [ANALYTICS[n](there, *a, **o) for n, a, o in calls])
                print(f"| {page} | {combo} | {duck_s:.2f} | {spark_s:.1f} | {same(duck, spark)} |", flush=True)
        f1, f2 = funnel.funnel(local)["customers"].tolist(), funnel.funnel(remote)["customers"].tolist()
        p1, p2 = flow.path_counts(local)["customers"].tolist(), flow.path_counts(remote)["customers"].tolist()
        print(f"\nunfiltered funnel DuckDB {f1} / Spark {f2}; path counts equal: {p1 == p2}")


def same(left: list, right: list) -> str:
    """'yes' when every table returned by the page's calls has the same values on both engines."""
    for a, b in zip(left, right):
        a, b = a.reset_index(drop=True), b.reset_index(drop=True)
        if a.shape != b.shape:
            return "NO (shape)"
        numeric = a.select_dtypes("number").columns
        if not ((a[numeric] - b[numeric]).abs().fillna(0) < 1e-6).all().all():
            return "NO"
    return "yes"


if __name__ == "__main__":
    main()
