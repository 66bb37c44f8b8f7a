"""The load harness at CI size: simultaneous sessions with different filters see their own numbers."""
import pytest

from tests.browser import require_chromium


def test_twenty_simultaneous_protocol_sessions_each_get_their_own_numbers(tmp_path):
    """Twenty sessions at once over Streamlit's websocket protocol, on the sample."""
    from bench.load_sessions import run

    report = run(sessions=20, concurrency=20, workdir=tmp_path, client="ws")
    assert report.mismatches == [] and report.errors == [], report.mismatches + report.errors + [report.server_log]
    assert len(report.latencies) == 20 and report.peak_rss_mb > report.start_rss_mb > 0
    print(report.summary())


@pytest.mark.browser
def test_simultaneous_browser_sessions_each_get_their_own_numbers(tmp_path):
    require_chromium()
    from bench.load_sessions import run

    report = run(sessions=8, concurrency=4, workdir=tmp_path, client="browser")
    assert report.mismatches == [] and report.errors == [], report.mismatches + report.errors + [report.server_log]
    assert len(report.latencies) == 8 and report.peak_rss_mb > report.start_rss_mb > 0
    print(report.summary())


def test_other_users_are_served_while_a_large_file_loads(tmp_path):
    """User A loads a 1M-row extract from the server import folder; user B opens a filtered view meanwhile
    and gets its page, with the right numbers, before A's load has finished."""
    import asyncio
    import time

    from bench.load_sessions import ProtocolSession, expected_numbers, figures, prepare
    from bench.synthetic import write_parquet
    from dashboard import DatasetStore, FilterState
    from tests.browser import AppServer

    sample = prepare(tmp_path / "store", 0)
    (tmp_path / "incoming").mkdir()
    write_parquet(1_000_000, tmp_path / "incoming" / "big-extract.parquet")
    server = AppServer(tmp_path / "store", tmp_path / "incoming")
    state = FilterState(channels=("email",)).with_segments({"region": ["Europe"]})
    query = "&".join(f"{k}={v[0] if isinstance(v, list) else v}" for k, v in state.to_query_params().items())

    async def scenario():
        async with ProtocolSession(server.url) as a:
            await a.run()  # the server has imported its libraries
            data_page = await a.run(page="Data")
            button = next(e.button.id for e in data_page if e.WhichOneof("type") == "button" and e.button.label == "Load as new dataset")
            started = time.perf_counter()
            loading = asyncio.create_task(a.run(page="Data", click=button, timeout=300))
            await asyncio.sleep(0.5)  # A's run has started reading the file
            async with ProtocolSession(server.url) as b:  # B opens a link in a new tab
                shown = figures(await b.run(query))
            b_done = time.perf_counter() - started
            loaded = figures(await loading)
            return shown, b_done, time.perf_counter() - started, loaded

    try:
        (metrics, problems), b_done, a_done, (_, a_problems) = asyncio.run(scenario())
    finally:
        server.stop()
    assert problems == [] and a_problems == []
    assert (metrics["Customers"], metrics["Touchpoints"]) == expected_numbers(sample, state)
    assert b_done < a_done, f"B waited {b_done:.1f} s, A's load took {a_done:.1f} s"
    assert [m["name"] for m in DatasetStore(tmp_path / "store").list() if m["id"] != "sample"] == ["big-extract.parquet"]
    print(f"B's page in {b_done:.1f} s while A's 1M-row load took {a_done:.1f} s")
