"""Load harness: many simultaneous sessions on one real app server, each with its own filters.

Every session opens the Overview through a link with different filters (region × channel, some with a
date range), waits for the numbers, and checks them against what the Python API computes for the same
filters (so one session's numbers never leak into another's). Reports p50/p95 page latency (link
opened → page finished) and the server's memory.

Two kinds of client: ``ws`` speaks Streamlit's own websocket protocol (what the browser sends: a
rerun request with the link's query string; what it receives: the page's elements), so twenty
sessions measure the server rather than twenty Chromium renderers sharing its two cores; ``browser``
opens each session in its own Playwright context of Debian's Chromium.

    python bench/load_sessions.py --sessions 20 --concurrency 20 --touchpoints 1000000
    python bench/load_sessions.py --client browser --sessions 8 --concurrency 4   # the sample, real browsers
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard import open_dataset, read_events  # noqa: E402
from dashboard.filters import FilterState  # noqa: E402
from dashboard.overview import kpis  # noqa: E402
from tests.browser import CHROMIUM, LAUNCH_ARGS, AppServer  # noqa: E402


@dataclass
class Report:
    latencies: list[float] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    start_rss_mb: float = 0.0
    first_view_s: float = float("nan")  # the server's first page (imports, first queries), before the load
    server_log: str = ""  # the end of the server's log (tracebacks behind any error shown)

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")

    def summary(self) -> str:
        return (f"server's first page {self.first_view_s:.1f} s; then {len(self.latencies)} sessions: p50 {self.p(0.5):.2f} s, p95 {self.p(0.95):.2f} s, "
                f"mean {statistics.mean(self.latencies or [0]):.2f} s; server RSS {self.start_rss_mb:.0f} MB idle → "
                f"{self.peak_rss_mb:.0f} MB peak; {len(self.mismatches)} mismatches, {len(self.errors)} errors")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def session_filters(dataset, count: int) -> list[FilterState]:
    """``count`` different filter states: region × channel, every third one also limited to a quarter."""
    regions = dataset.values("region")
    channels = dataset.values("channel")
    quarters = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30))]
    states = []
    for i, (region, channel) in enumerate(itertools.islice(itertools.cycle(itertools.product(regions, channels)), count)):
        span = quarters[i % 2] if i % 3 == 0 else (None, None)
        states.append(FilterState(dataset=dataset.id, channels=(channel,), date_from=span[0], date_to=span[1])
                      .with_segments({"region": [region]}))
    return states


def expected_numbers(dataset, state: FilterState) -> tuple[str, str]:
    row = kpis(dataset.filter(state)).iloc[0]
    return f"{int(row['customers']):,}", f"{int(row['touchpoints']):,}"


async def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).first
    return await box.locator('[data-testid="stMetricValue"]').inner_text()


class ProtocolSession:
    """One browser tab as Streamlit's websocket protocol sees it: ask for a run (a link's query string, a page,
    a button click) and read the elements the run draws."""

    def __init__(self, server_url: str):
        self.url = server_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.socket = None

    async def __aenter__(self) -> "ProtocolSession":
        from websockets.asyncio.client import connect

        self.socket = await connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=120)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def run(self, query: str = "", *, page: str = "", click: str | None = None, timeout: float = 180) -> list:
        """Run ``page`` (its URL path; "" for the default) with ``query``, pressing the button whose widget id is
        ``click``; return the run's new elements (Streamlit ``Element`` messages) when it finishes."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackMsg()
        request.rerun_script.query_string = query
        request.rerun_script.page_name = page
        if click:
            request.rerun_script.widget_states.widgets.add(id=click, trigger_value=True)
        await self.socket.send(request.SerializeToString())
        elements = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self.socket.recv(), timeout=timeout))
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                elements.append(message.delta.new_element)
            elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return elements


def figures(elements: list) -> tuple[dict[str, str], list[str]]:
    """(metric label → value, error texts) of a run's elements."""
    metrics, problems = {}, []
    for element in elements:
        kind = element.WhichOneof("type")
        if kind == "metric":
            metrics[element.metric.label] = element.metric.body
        elif kind == "exception":
            problems.append(element.exception.message)
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            problems.append(element.alert.body)
    return metrics, problems


async def ws_session(server_url: str, url: str, expected: tuple[str, str], report: Report, name: str) -> None:
    """One session over Streamlit's websocket protocol: open the link, check the page's numbers."""
    try:
        started = time.perf_counter()
        async with ProtocolSession(server_url) as session:
            metrics, problems = figures(await session.run(urlsplit(url).query))
        report.latencies.append(time.perf_counter() - started)
        seen = (metrics.get("Customers"), metrics.get("Touchpoints"))
        if seen != expected:
            report.mismatches.append(f"{name}: page shows {seen}, the API computes {expected}")
        report.errors += [f"{name}: {p[:200]}" for p in problems]
    except Exception as exc:  # a timeout or a dropped connection is a finding of the harness, not a crash of it
        report.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")


async def one_session(browser, url: str, expected: tuple[str, str], report: Report, name: str) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(url)
        await page.get_by_text("Customers", exact=True).first.wait_for(timeout=120_000)
        await page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
        report.latencies.append(time.perf_counter() - started)
        seen = (await metric(page, "Customers"), await metric(page, "Touchpoints"))
        if seen != expected:
            report.mismatches.append(f"{name}: page shows {seen}, the API computes {expected}")
        problems = await page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').all_inner_texts()
        report.errors += [f"{name}: {p[:200]}" for p in problems]
    except Exception as exc:  # a timeout or a crashed page is a finding of the harness, not a crash of it
        report.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def drive(server: AppServer, dataset, sessions: int, concurrency: int, client: str = "ws") -> Report:
    report = Report(start_rss_mb=rss_mb(server.process.pid))
    warm_up = Report()  # one session on the unfiltered view first: a fresh server imports its libraries once
    await ws_session(server.url, server.url + "/?" + urlencode(FilterState(dataset=dataset.id).to_query_params()),
                     expected_numbers(dataset, FilterState(dataset=dataset.id)), warm_up, "first view")
    report.first_view_s = warm_up.latencies[0] if warm_up.latencies else float("nan")
    report.errors += warm_up.errors + warm_up.mismatches
    states = session_filters(dataset, sessions)
    jobs = []
    for i, state in enumerate(states):
        params = state.to_query_params()
        jobs.append((f"{server.url}/?{urlencode(params, doseq=True)}", expected_numbers(dataset, state), f"session {i + 1} {params}"))
    done = asyncio.Event()

    async def watch_memory():
        while not done.is_set():
            report.peak_rss_mb = max(report.peak_rss_mb, rss_mb(server.process.pid))
            await asyncio.sleep(0.2)

    limit = asyncio.Semaphore(concurrency)
    watcher = asyncio.create_task(watch_memory())
    if client == "ws":
        async def limited(job):
            url, expected, name = job
            async with limit:
                await ws_session(server.url, url, expected, report, name)

        await asyncio.gather(*(limited(job) for job in jobs))
    else:
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)

            async def limited(job):
                url, expected, name = job
                async with limit:
                    await one_session(browser, url, expected, report, name)

            await asyncio.gather(*(limited(job) for job in jobs))
            await browser.close()
    done.set()
    await watcher
    return report


def prepare(store: Path, touchpoints: int):
    """The dataset the sessions look at: the sample, or a synthetic extract of ``touchpoints`` rows."""
    import os

    os.environ["JOURNEY_LENS_STORE"] = str(store)
    if not touchpoints:
        return open_dataset("sample")
    from bench.synthetic import write_parquet

    path = write_parquet(touchpoints, store.parent / f"synthetic-{touchpoints}.parquet")
    return read_events(path, name=f"{touchpoints:,} synthetic touchpoints")


def run(sessions: int, concurrency: int, touchpoints: int = 0, workdir: Path | None = None, client: str = "ws") -> Report:
    workdir = Path(workdir or tempfile.mkdtemp(prefix="jl-load-"))
    dataset = prepare(workdir / "store", touchpoints)
    server = AppServer(workdir / "store", workdir / "incoming")
    try:
        report = asyncio.run(drive(server, dataset, sessions, concurrency, client))
        report.server_log = server.log()
        return report
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=20, help="browser contexts open at once")
    parser.add_argument("--touchpoints", type=int, default=0, help="synthetic dataset size (0 = the built-in sample)")
    parser.add_argument("--client", choices=["ws", "browser"], default="ws",
                        help="Streamlit's websocket protocol (measures the server) or real Chromium contexts")
    args = parser.parse_args()
    started = time.time()
    report = run(args.sessions, args.concurrency, args.touchpoints, client=args.client)
    print(report.summary() + f" (wall {time.time() - started:.0f} s incl. data preparation)")
    for line in report.mismatches + report.errors:
        print("  " + line)
    sys.exit(1 if report.mismatches or report.errors else 0)


if __name__ == "__main__":
    main()
