"""Real browser: upload a CSV through the file input, see the quality report; links restore filters."""
from __future__ import annotations

import re

import pytest

from tests.browser import metric_value, screenshot

pytestmark = pytest.mark.browser


def test_overview_opens_on_the_sample(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.get_by_text("Customers", exact=True).first.wait_for(timeout=30_000)
    assert metric_value(page, "Customers") == "5,000"
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    screenshot(page, "overview")
    page.close()


def test_upload_csv_shows_mapping_and_quality_report(server, browser, tmp_path):
    csv = tmp_path / "crm export.csv"
    csv.write_text("client_id|event_time|lifecycle_stage|channel\n"
                   "00123|2025-03-01T09:30:00+09:00|Awareness|web\n"
                   "00123|2025-03-04T10:00:00+09:00|Conversion|email\n"
                   "123|2025-03-02 08:00|awareness|web\n"
                   "|2025-03-02 08:00|awareness|web\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server.url}/Data")
    page.get_by_text("Dataset library").wait_for(timeout=30_000)  # the whole page has been drawn
    page.wait_for_timeout(500)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="TSV, TXT")
    uploader.locator('input[type="file"]').set_input_files(str(csv))
    try:
        page.get_by_text(re.compile("Loaded “crm export.csv”")).wait_for(timeout=60_000)
    except Exception:
        screenshot(page, "data-upload-failed")
        raise
    assert metric_value(page, "Rows read") == "4"
    assert metric_value(page, "Rows kept") == "3"
    assert metric_value(page, "Rows set aside") == "1"
    assert metric_value(page, "Customers") == "2"
    page.get_by_text("Column mapping").click()
    page.get_by_text("Customer id", exact=True).wait_for()
    assert "ds=" in page.url
    screenshot(page, "data-after-upload")
    page.close()


def test_copied_link_restores_filters_in_a_new_session(server, browser):
    page = browser.new_page()
    page.goto(f"{server.url}/?seg.region=Europe&channel=email")
    page.get_by_text("Customers", exact=True).first.wait_for(timeout=30_000)
    first = metric_value(page, "Customers")
    url = page.url
    context = browser.new_context()
    other = context.new_page()
    other.goto(url)
    other.get_by_text("Customers", exact=True).first.wait_for(timeout=30_000)
    assert metric_value(other, "Customers") == first != "5,000"
    assert "seg.region=Europe" in other.url
    context.close()
    page.close()
