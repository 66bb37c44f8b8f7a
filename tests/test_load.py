"""The load harness at CI size: simultaneous browser sessions with different filters see their own numbers."""
import pytest

from tests.browser import require_chromium

pytestmark = pytest.mark.browser


def test_simultaneous_sessions_each_get_their_own_numbers(tmp_path):
    require_chromium()
    from bench.load_sessions import run

    report = run(sessions=8, concurrency=4, workdir=tmp_path)
    assert report.mismatches == [] and report.errors == [], report.mismatches + report.errors
    assert len(report.latencies) == 8 and report.peak_rss_mb > report.start_rss_mb > 0
    print(report.summary())
