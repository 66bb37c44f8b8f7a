"""Exports: formula-safe CSV with its header lines, Parquet metadata, file names, deck PNG size, the HTML report."""
import io
import re
from datetime import date, datetime, timezone

import pandas as pd
import plotly.graph_objects as go
import pyarrow.parquet as pq
import pytest

from dashboard import charts
from dashboard.exports import (PREAMBLE_LINES, ExportInfo, csv_bytes, deck_figure, export_file_name, neutralise_formulas,
                               parquet_bytes, period_label, png_size, touchpoints_frame)
from dashboard.filters import FilterState
from dashboard.report import ReportChart, html_report

INFO = ExportInfo("Funnel · Funnel ordered", "crm export", "Dates 2025-04-01 to 2025-06-30 (UTC) · region: EU",
                  datetime(2025, 7, 1, 9, 30, tzinfo=timezone.utc))


def test_formulas_are_neutralised_in_cells_and_headers():
    frame = pd.DataFrame({"=HYPERLINK(1)": ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx", "＝1", "ok", None],
                          "n": [1, -2, 3, 4, 5, 6, 7, 8, 9]})
    out = neutralise_formulas(frame)
    assert list(out.columns) == ["'=HYPERLINK(1)", "n"]
    assert out.iloc[:8, 0].tolist() == ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "'＝1", "ok"]
    assert pd.isna(out.iloc[8, 0])
    assert out["n"].tolist() == [1, -2, 3, 4, 5, 6, 7, 8, 9]  # numbers stay numbers
    assert frame.iloc[0, 0] == "=1+1"  # the input is not changed


def test_csv_starts_with_what_it_shows_then_the_table():
    frame = pd.DataFrame({"step": ["awareness", "=evil()"], "customers": [10, 4]})
    text = csv_bytes(frame, INFO).decode("utf-8")
    lines = text.splitlines()
    assert lines[:PREAMBLE_LINES] == ["# Journey Lens · Funnel · Funnel ordered · dataset: crm export",
                                      "# Filters: Dates 2025-04-01 to 2025-06-30 (UTC) · region: EU",
                                      "# Generated: 2025-07-01 09:30 UTC"]
    back = pd.read_csv(io.StringIO(text), skiprows=PREAMBLE_LINES)
    assert back.to_dict("list") == {"step": ["awareness", "'=evil()"], "customers": [10, 4]}


def test_csv_header_lines_stay_one_cell_that_cannot_run():
    info = ExportInfo("x", "d", "seg: a,=HYPERLINK(\"http://evil\")\nnext", INFO.generated_at)
    first = csv_bytes(pd.DataFrame({"a": [1]}), info).decode().splitlines()[1]
    assert first.startswith('"# Filters: seg: a,=HYPERLINK(') and "\n" not in first
    assert pd.read_csv(io.StringIO(first), header=None).shape == (1, 1)


def test_parquet_keeps_the_table_and_says_what_it_shows():
    frame = pd.DataFrame({"customer_id": ["=a", "b"], "ts": pd.to_datetime(["2025-01-01", "2025-01-02"])})
    table = pq.read_table(io.BytesIO(parquet_bytes(frame, INFO)))
    assert table.to_pandas().equals(frame)  # Parquet is not a spreadsheet: values stay as they are
    meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    assert meta["journey_lens.filters"] == INFO.filters and meta["journey_lens.generated"] == "2025-07-01 09:30 UTC"


@pytest.mark.parametrize("start, end, label", [
    (None, None, None),
    (date(2025, 4, 1), date(2025, 6, 30), "2025-Q2"),
    (date(2025, 3, 1), date(2025, 3, 31), "2025-03"),
    (date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
    (date(2025, 1, 1), date(2025, 12, 31), "2025"),
    (date(2025, 2, 1), date(2025, 4, 30), "2025-02-01-to-2025-04-30"),  # three months, not a quarter
    (date(2025, 3, 5), date(2025, 3, 5), "2025-03-05"),
    (date(2025, 3, 5), date(2025, 4, 15), "2025-03-05-to-2025-04-15"),
    (date(2025, 3, 5), None, "from-2025-03-05"),
    (None, date(2025, 3, 5), "to-2025-03-05"),
])
def test_period_labels(start, end, label):
    assert period_label(start, end) == label


def test_file_names_say_what_the_file_holds():
    state = FilterState(date_from=date(2025, 4, 1), date_to=date(2025, 6, 30)).with_segments({"region": ["EU"]})
    assert export_file_name("journey-funnel", state, "csv") == "journey-funnel_2025-Q2_region-eu.csv"
    state = FilterState(channels=("paid ads", "email"), stages=("conversion",)).with_segments({"plan": ["Premium / Gold"], "region": ["Asia"]})
    assert export_file_name("journey-flow-by-channel", state, "png") == \
        "journey-flow-by-channel_plan-premium-gold_region-asia_channel-paid-ads+email_stage-conversion.png"
    assert export_file_name("journey-overview", FilterState(), "html") == "journey-overview.html"


def test_file_names_are_safe_and_bounded():
    hostile = FilterState(channels=("../../etc/passwd", "a\\b\"c", "\x00\r\n")).with_segments({"지역": ["서울"]})
    name = export_file_name("journey-funnel", hostile, "csv")
    assert name == "journey-funnel_지역-서울_channel-etc-passwd+a-b-c+x.csv"
    assert not re.search(r'[/\\"\x00-\x1f]', name)
    many = FilterState(touchpoints=tuple(f"touchpoint number {i}" for i in range(50)))
    long = export_file_name("journey-funnel", FilterState(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31),
                                                          channels=("web",), touchpoints=many.touchpoints), "csv")
    assert long == "journey-funnel_2025-01_channel-web_more.csv"


def test_deck_figure_is_slide_sized_with_title_and_footer():
    fig = charts.funnel_chart(pd.DataFrame({"step": ["a", "b"], "customers": [10, 4], "pct_of_first": [100.0, 40.0]}))
    deck = deck_figure(fig, title="Funnel <b>x</b>", footer="Filters: all · Generated 2025-07-01 09:30 UTC")
    assert (deck.layout.width, deck.layout.height) == (1600, 900)
    assert deck.layout.title.text == "Funnel &lt;b&gt;x&lt;/b&gt;"
    assert deck.layout.annotations[-1].text.startswith("Filters: all")
    assert fig.layout.width is None  # the page's figure is not changed


def test_png_size_reads_the_header():
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (1600).to_bytes(4, "big") + (900).to_bytes(4, "big")
    assert png_size(header) == (1600, 900)
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + b"\x00" * 30)


def test_channel_colours_do_not_depend_on_the_none_bucket_or_order():
    channels = ["web", "fax", "kiosk", "email"]
    with_none = charts.channel_colors(channels + ["(none)"])
    assert {c: with_none[c] for c in channels} == charts.channel_colors(list(reversed(channels)))
    assert with_none["(none)"] == charts.NO_CHANNEL_COLOR
    assert charts.channel_colors(["web"])["web"] == with_none["web"]


def test_html_report_is_self_contained_and_says_what_it_shows():
    fig = go.Figure(go.Bar(x=["awareness", "<script>alert(1)</script>"], y=[10, 4]))
    charts_in = [ReportChart("Funnel", fig, caption="Counts unique customers.", takeaway="Biggest drop-off: a → b <i>"),
                 ReportChart("Second", go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))]
    page = html_report(page="Funnel", dataset="crm <export>", filters="region: EU & Asia", charts=charts_in,
                       key_figures=[("Entered the funnel", "10")], notes=["One note"], link="http://host:8501/Funnel?seg.region=EU",
                       generated_at=datetime(2025, 7, 1, 9, 30, tzinfo=timezone.utc))
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=", page) and "cdn.plot.ly/plotly" not in page.split("</head>")[1]
    assert page.count("Plotly.newPlot(") == 2 and 'id="chart-1"' in page and 'id="chart-2"' in page
    assert len(page) > 3_000_000  # plotly.js is inlined
    body = page.split("</head>")[1]
    for text in ("crm &lt;export&gt;", "region: EU &amp; Asia", "2025-07-01 09:30 UTC", "Entered the funnel", "One note",
                 "Counts unique customers.", "Biggest drop-off: a → b &lt;i&gt;", 'href="http://host:8501/Funnel?seg.region=EU"'):
        assert text in body, text
    assert "<script>alert(1)</script>" not in body


def test_report_link_must_be_a_web_address():
    page = html_report(page="p", dataset="d", filters="f", charts=[], link="javascript:alert(1)")
    assert 'href="javascript' not in page and "javascript:alert(1)" in page


def test_touchpoints_export_is_the_filtered_events_in_order(shared_store_dir, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(shared_store_dir))
    from dashboard import open_dataset

    dataset = open_dataset("sample").filter(channels=["email"], segments={"region": ["Europe"]})
    frame = touchpoints_frame(dataset)
    assert list(frame.columns) == ["row_id", "customer_id", "timestamp_utc", "stage", "channel", "touchpoint", "revenue",
                                   "region", "plan", "campaign", "device"]
    assert len(frame) == dataset.table.count().execute() > 0 and frame["customer_id"].notna().all()
    assert set(frame["channel"]) == {"email"} and set(frame["region"]) == {"Europe"}
    assert frame.groupby("customer_id")["timestamp_utc"].apply(lambda s: s.is_monotonic_increasing).all()
    import ibis

    from dashboard.exports import touchpoints_query
    sql = ibis.to_sql(touchpoints_query(dataset), dialect="trino")  # the sort is the outermost step on any engine
    assert sql.count("ORDER BY") == 1 and "ORDER BY" in sql[sql.rindex(")"):]  # after the last subquery closes
