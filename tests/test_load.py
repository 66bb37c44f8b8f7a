"""The load harness at CI size: simultaneous sessions with different filters see their own numbers."""
import pytest

from tests.browser import require_chromium


def test_twenty_simultaneous_protocol_sessions_each_get_their_own_numbers(tmp_path):
    """Twenty sessions at once over Streamlit's websocket protocol, on the sample."""
    from bench.load_sessions import run

    report = run(sessions=20, concurrency=20, workdir=tmp_path, client="ws")
    assert report.mismatches == [] and report.errors == [], report.mismatches + report.errors
    assert len(report.latencies) == 20 and report.peak_rss_mb > report.start_rss_mb > 0
    print(report.summary())


@pytest.mark.browser
def test_simultaneous_browser_sessions_each_get_their_own_numbers(tmp_path):
    require_chromium()
    from bench.load_sessions import run

    report = run(sessions=8, concurrency=4, workdir=tmp_path, client="browser")
    assert report.mismatches == [] and report.errors == [], report.mismatches + report.errors
    assert len(report.latencies) == 8 and report.peak_rss_mb > report.start_rss_mb > 0
    print(report.summary())
