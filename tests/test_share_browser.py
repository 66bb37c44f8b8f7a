"""Real browser: a copied link reproduces the view, presentation mode, and every export type downloaded and checked."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest

from dashboard.exports import PREAMBLE_LINES, png_size
from tests.browser import ARTIFACTS, metric_value, screenshot

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1100}
STAGES = ["awareness", "consideration", "conversion"]


def extract_csv() -> str:
    """120 customers over Q1–Q2 2025: stages, three channels, two regions (a different dataset from the sample)."""
    rows = ["customer,when,stage,channel,region"]
    for i in range(120):
        start = date(2025, 1, 1) + timedelta(days=i)
        for k, stage in enumerate(STAGES[: 1 + i % 3]):
            channel = ["web", "email", "ads"][(i // 4) % 3]  # one channel per customer
            rows.append(f"c{i:03d},{start + timedelta(days=3 * k)} 10:00,{stage},{channel},{'EU' if i % 2 else 'US'}")
    return "\n".join(rows) + "\n"


def wait_ready(page, text: str | None = None) -> None:
    """Wait until the page has drawn (its title, and ``text`` when given) and the script has finished."""
    page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=30_000)
    if text:
        page.get_by_text(text).first.wait_for(timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.get_by_text("Presentation mode", exact=True).wait_for(timeout=30_000)  # the sidebar widgets are drawn
    page.wait_for_timeout(300)


def pick(page, label: str, value: str) -> None:
    """Add ``value`` to the sidebar multiselect labelled ``label``."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label)
    box.locator("input").click()
    page.get_by_role("option", name=value, exact=True).click()
    page.keyboard.press("Escape")


def download(page, label: str, target):
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).first.click()
    path = target / info.value.suggested_filename
    info.value.save_as(path)
    return path


@pytest.fixture(scope="module")
def uploaded(server, browser, tmp_path_factory):
    """Upload the extract on the Data page; returns the URL of the new dataset."""
    csv = tmp_path_factory.mktemp("upload") / "spring campaign.csv"
    csv.write_text(extract_csv(), encoding="utf-8")
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server.url}/Data")
    page.get_by_text("Dataset library").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="TSV, TXT")
    uploader.locator('input[type="file"]').set_input_files(str(csv))
    page.get_by_text(re.compile("Loaded “spring campaign.csv”")).wait_for(timeout=60_000)
    dataset = re.search(r"ds=([\w-]+)", page.url).group(1)
    page.close()
    return dataset


def test_copied_link_opens_the_same_view_in_a_new_browser(server, browser, uploaded):
    context = browser.new_context(viewport=VIEWPORT, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{server.url}/?ds={uploaded}")
    wait_ready(page)
    pick(page, "region", "EU")  # a filter set on the Overview …
    page.wait_for_url(re.compile("region=EU"))
    wait_ready(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Funnel", exact=True).click()
    page.wait_for_url(re.compile("/Funnel"))
    wait_ready(page)
    pick(page, "Channel", "email")  # … and one on the Funnel, with a page option
    page.wait_for_url(re.compile("channel=email"))
    wait_ready(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Order").click()
    page.get_by_role("option", name="Any order").click()
    page.wait_for_url(re.compile("mode=any"))
    wait_ready(page)
    shown = {label: metric_value(page, label) for label in ("Entered the funnel", "Reached the last step", "Share reaching the last step")}
    page.frame_locator("iframe").get_by_role("button", name="Copy link").click()
    page.frame_locator("iframe").get_by_text("Copied").wait_for(timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator('[data-testid="stSidebar"] [data-testid="stCode"]').inner_text().replace("\n", "")
    assert copied.startswith(f"{server.url}/Funnel?") and {"channel=email", "seg.region=EU", "mode=any", f"ds={uploaded}"} <= set(
        copied.split("?")[1].split("&"))
    screenshot(page, "funnel-before-sharing")

    fresh = browser.new_context(viewport=VIEWPORT)
    other = fresh.new_page()
    other.goto(copied)
    wait_ready(other)
    assert other.locator("h1").first.inner_text() == "Funnel"
    assert {label: metric_value(other, label) for label in shown} == shown
    assert shown["Entered the funnel"] == "20" and shown["Reached the last step"] == "10"  # EU email customers: c005, c017, … reach all three
    tags = other.locator('[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"] [data-tag] span[title]')
    assert sorted(tags.all_inner_texts()) == ["EU", "email"]
    assert other.get_by_text(re.compile("^Counts unique customers. Any order:")).first.is_visible()  # the page option too
    screenshot(other, "funnel-from-shared-link")
    fresh.close()
    context.close()


def test_presentation_mode_hides_editing_and_keeps_filters(server, browser):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server.url}/Data")
    wait_ready(page, "Dataset library")
    page.locator('[data-testid="stFileUploader"]').first.wait_for(timeout=30_000)  # editing controls are there
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text="Presentation mode").locator("label").click()
    page.wait_for_url(re.compile("present=1"))
    wait_ready(page, "Presentation mode: uploading")
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert page.get_by_role("button", name="Delete…").count() == 0
    screenshot(page, "data-presentation")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Overview", exact=True).click()
    page.wait_for_url(re.compile(r"/\?present=1|/\?.*present=1"))
    wait_ready(page)
    everyone = metric_value(page, "Customers")
    pick(page, "region", "Europe")
    page.wait_for_url(re.compile("region=Europe"))
    wait_ready(page)
    assert metric_value(page, "Customers") != everyone
    assert page.get_by_role("button", name=re.compile("Chart \\(PNG")).count() == 0
    assert float(page.locator("h1").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 55  # enlarged
    screenshot(page, "overview-presentation")
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text="Presentation mode").locator("label").click()
    page.wait_for_function("() => !location.search.includes('present=1')", timeout=30_000)
    wait_ready(page)
    assert "region=Europe" in page.url and metric_value(page, "Customers") != everyone  # same state, normal view
    page.get_by_role("button", name=re.compile("Chart \\(PNG")).nth(1).wait_for(timeout=30_000)  # the exports are back
    page.close()


def test_every_export_downloads_with_the_right_content(server, browser, tmp_path):
    page = browser.new_page(viewport=VIEWPORT, accept_downloads=True)
    page.goto(f"{server.url}/Funnel?seg.region=Europe&from=2025-04-01&to=2025-06-30")
    wait_ready(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    screenshot(page, "funnel")

    data = download(page, "Data (CSV)", tmp_path)
    assert data.name == "journey-funnel-in-order_2025-Q2_region-europe.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "# Filters: Dates 2025-04-01 to 2025-06-30 (UTC) · region: Europe" and lines[2].startswith("# Generated: ")
    assert lines[PREAMBLE_LINES] == "step,customers,pct_of_first,pct_of_previous,dropped"
    assert len(lines) == PREAMBLE_LINES + 1 + 5  # the five stages of the sample

    image = download(page, "Chart (PNG 1600×900)", tmp_path)
    assert image.suffix == ".png" and png_size(image.read_bytes()) == (1600, 900) and image.stat().st_size > 20_000

    report = download(page, "Download report (HTML)", tmp_path)
    assert report.name == "journey-funnel-report_2025-Q2_region-europe.html"
    charts_on_page = page.locator(".js-plotly-plot").count()
    offline = browser.new_context(viewport=VIEWPORT)
    requests = []
    offline.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                  else (requests.append(route.request.url), route.abort()))
    opened = offline.new_page()
    opened.goto(report.as_uri())
    opened.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
    assert requests == []
    assert opened.locator(".js-plotly-plot").count() == charts_on_page == 2  # the funnel and the open tab (closed tabs are not computed)
    text = opened.locator("body").inner_text()
    assert "Filters: Dates 2025-04-01 to 2025-06-30 (UTC) · region: Europe" in text and "Entered the funnel" in text
    assert "Takeaway: Biggest drop-off" in text and "/Funnel?from=2025-04-01" in text
    opened.screenshot(path=str(ARTIFACTS / "report.png"))
    offline.close()

    page.goto(f"{server.url}/Data?seg.region=Europe&channel=email")
    wait_ready(page, "Dataset library")
    count = int(re.search(r"([\d,]+) touchpoints ·", page.get_by_text(re.compile("touchpoints · ")).first.inner_text()).group(1).replace(",", ""))
    table = download(page, "Touchpoints (CSV)", tmp_path)
    assert table.name == "journey-touchpoints_region-europe_channel-email.csv"
    rows = table.read_text(encoding="utf-8").splitlines()
    assert rows[PREAMBLE_LINES].startswith("row_id,customer_id,timestamp_utc,stage,channel,touchpoint,revenue,region")
    assert len(rows) == PREAMBLE_LINES + 1 + count
    parquet = download(page, "Touchpoints (PARQUET)", tmp_path)
    frame = pq.read_table(io.BytesIO(parquet.read_bytes())).to_pandas()
    assert len(frame) == count and set(frame["channel"]) == {"email"} and set(frame["region"]) == {"Europe"}
    page.close()


def test_screenshot_of_each_page(server, browser):
    """One session walks through the pages by the sidebar (the unfiltered view: its results are prepared at load)."""
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(server.url)
    for title, name in [("Overview", "overview"), ("Flow", "flow"), ("Stage durations", "stage-durations"),
                        ("Sentiment", "sentiment"), ("Data", "data")]:
        if title != "Overview":
            page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
        page.locator("h1").filter(has_text=title).first.wait_for(timeout=30_000)
        wait_ready(page, "Dataset library" if name == "data" else None)
        if name != "data":
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
            page.wait_for_timeout(800)  # Sankey transitions
        assert not page.locator('[data-testid="stException"]').count()
        screenshot(page, name)
    page.close()


def test_presentation_mode_fits_the_widest_table_on_the_page(server, browser):
    """Stage durations by segment has nine columns: in presentation mode at 1400 px (sidebar open) every column is
    shown, none cut off at the table's edge."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{server.url}/Stage_durations?present=1")
    wait_ready(page, "Out of order")
    tables = page.locator('[data-testid="stMain"] [data-testid="stTable"]')
    tables.first.wait_for(timeout=30_000)
    widths = tables.evaluate_all("""ts => ts.map(t => [t.querySelectorAll('thead th').length,
        Math.max(...[t, ...t.querySelectorAll('*')].map(e => e.scrollWidth - e.clientWidth))])""")
    assert max(columns for columns, _ in widths) >= 9
    assert all(overflow <= 1 for _, overflow in widths), widths
    screenshot(page, "stage-durations-presentation")
    page.close()
