"""AppTest: every page renders on the sample, follows URL filters, and survives bad links and uploads."""
import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import open_dataset
from dashboard import overview
from dashboard.filters import FilterState

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture
def app(shared_store_dir, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(shared_store_dir))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def param(at, key):
    value = at.query_params.get(key)
    return [value] if isinstance(value, str) else list(value or [])


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_errors(app, page):
    app.run()
    app.switch_page(page).run()
    assert not app.exception and not app.error, (page, app.exception, app.error)
    assert app.title


def test_a_bug_shows_a_plain_message_and_the_rest_of_the_app_stays(app, monkeypatch, caplog):
    """An unexpected error (here: the headline figures fail) shows what to do, not a stack trace; its
    traceback goes to the log; the next view works."""
    from dashboard.ui import cache

    monkeypatch.delenv("JOURNEY_LENS_RAISE_ERRORS")
    monkeypatch.setitem(cache.ANALYTICS, "kpis", lambda events: 1 / 0)
    cache._run.clear()  # not served from an earlier test's cache
    app.run()
    assert not app.exception
    assert [e.value.split(".**")[0] for e in app.error] == ["**Something went wrong while drawing this page"]
    assert "ZeroDivisionError" in caplog.text
    monkeypatch.undo()
    app.switch_page("pages/3_Flow.py").run()
    assert not app.exception and not app.error and app.title[0].value == "Flow"


def test_opens_on_the_sample(app):
    app.run()
    assert app.title[0].value == "Overview"
    assert metric(app, "Customers") == "5,000"


def test_url_filters_are_restored_and_match_the_api(app, shared_store_dir):
    app.query_params["seg.region"] = ["Europe"]
    app.query_params["channel"] = ["email", "web"]
    app.query_params["from"] = "2025-03-01"
    app.run()
    assert not app.warning
    assert app.sidebar.multiselect(key="f_seg_region").value == ["Europe"]
    state = FilterState(channels=("email", "web"), date_from=__import__("datetime").date(2025, 3, 1)).with_segments({"region": ["Europe"]})
    expected = overview.kpis(open_dataset("sample").filter(state)).iloc[0]
    assert metric(app, "Customers") == f"{int(expected['customers']):,}"
    assert metric(app, "Touchpoints") == f"{int(expected['touchpoints']):,}"
    assert param(app, "seg.region") == ["Europe"] and param(app, "channel") == ["email", "web"]


def test_widget_changes_go_into_the_url(app):
    app.run()
    app.sidebar.multiselect(key="f_channel").set_value(["store"]).run()
    assert param(app, "channel") == ["store"]
    app.switch_page("pages/9_Data.py").run()
    assert param(app, "channel") == ["store"]  # kept across pages


def test_bad_link_values_fall_back_with_one_warning(app):
    app.query_params["ds"] = "../../etc/passwd"
    app.query_params["channel"] = "fax"
    app.query_params["from"] = "yesterday"
    app.run()
    assert len(app.warning) == 1
    text = app.warning[0].value
    assert "could not be opened" in text and "fax" in text and "yesterday" in text
    assert metric(app, "Customers") == "5,000"
    assert not app.exception


def test_upload_through_the_data_page(app, tmp_path):
    app.run()
    app.switch_page("pages/9_Data.py").run()
    csv = b"Customer ID;Occurred At;Phase;Source\n007;31/12/2024 10:00;Awareness;web\n007;01/01/2025 11:00;Conversion;email\n8;;Awareness;web\n"
    app.file_uploader[0].set_value(("my extract.csv", csv, "text/csv")).run()
    assert not app.exception and not app.error, app.error
    assert "Loaded" in app.success[0].value
    assert metric(app, "Rows read") == "3" and metric(app, "Rows kept") == "2" and metric(app, "Rows set aside") == "1"
    assert metric(app, "Customers") == "1"
    assert len(param(app, "ds")[0]) == 22
    assert app.dataframe[0].value["Reason"].tolist() == ["missing timestamp"]


def test_bad_upload_shows_a_message_and_keeps_the_app(app):
    app.run()
    app.switch_page("pages/9_Data.py").run()
    app.file_uploader[0].set_value(("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv")).run()
    assert "not a text table" in app.error[0].value
    assert not app.exception


def test_funnel_page_follows_url_filters_and_options(app):
    from datetime import timedelta

    from dashboard.funnel import funnel

    app.query_params["seg.region"] = ["Europe"]
    app.query_params["mode"] = "any"
    app.query_params["window"] = "30"
    app.run()
    app.switch_page("pages/2_Funnel.py").run()
    assert not app.exception and not app.warning
    shown = app.dataframe[0].value
    expected = funnel(open_dataset("sample").filter(segments={"region": ["Europe"]}), order="any", window=timedelta(days=30))
    assert shown["Customers"].tolist() == expected["customers"].tolist()
    assert "within 30 days of entering" in app.caption[0].value or any("within 30 days" in c.value for c in app.caption)
    assert param(app, "mode") == ["any"] and param(app, "window") == ["30"]
    assert app.selectbox(key="opt_by").value == "plan"  # region is filtered to one value: breaking down by it shows one bar
    share = next(m for m in app.metric if m.label == "Share reaching the last step")
    assert share.value == f"{expected['pct_of_first'].iloc[-1]:.1f}%"
    assert "Not the Overview's conversion rate" in share.help


def test_flow_page_follows_url_filters_and_options(app):
    from dashboard.flow import top_paths

    app.query_params["channel"] = ["web", "email"]
    app.query_params["dim"] = "channel"
    app.query_params["n"] = "3"
    app.run()
    app.switch_page("pages/3_Flow.py").run()
    assert not app.exception and not app.warning
    shown = app.dataframe[0].value
    expected = top_paths(open_dataset("sample").filter(channels=["web", "email"]), dimension="channel", max_steps=3)
    assert shown["Path"].tolist() == expected["path"].tolist()
    assert shown["Customers"].tolist() == expected["customers"].tolist()


def test_durations_page_follows_url_filters(app):
    from dashboard.durations import readable_duration, stage_durations

    app.query_params["seg.plan"] = ["premium"]
    app.run()
    app.switch_page("pages/4_Stage_durations.py").run()
    assert not app.exception
    shown = app.dataframe[0].value
    expected = stage_durations(open_dataset("sample").filter(segments={"plan": ["premium"]}))
    assert shown["Customers"].tolist() == expected["customers"].tolist()
    assert shown["Median"].tolist() == [readable_duration(v) for v in expected["median"]]


def test_bad_page_option_in_link_falls_back_with_a_warning(app):
    app.query_params["mode"] = "sideways"
    app.run()
    app.switch_page("pages/2_Funnel.py").run()
    assert not app.exception
    assert "mode\\=sideways" in app.warning[0].value  # shown as text: the link's value is escaped
    assert app.selectbox(key="opt_mode").value == "ordered"
    first = next(iter(app.main.children.values()))
    assert first.type == "warning" and "mode\\=sideways" in first.value  # at the top of the page, not below the charts


def test_empty_selection_shows_a_friendly_reset(app):
    app.query_params["channel"] = "web"
    app.query_params["touchpoint"] = "in-store purchase"  # only ever in the store channel
    app.run()
    app.switch_page("pages/2_Funnel.py").run()
    assert not app.exception and not app.error
    assert "No customers match these filters" in app.info[0].value
    app.button(key="reset_empty").click().run()
    assert app.query_params.get("channel") in (None, [], "")


@pytest.mark.parametrize("key,day,expected", [("from", "2099-01-01", None), ("to", "2000-01-01", None),
                                               ("from", "2025-12-31", "2025-12-31")])
def test_a_link_with_one_date_outside_the_data_counts_what_it_says(app, key, day, expected):
    """Only a start after the data (or an end before it): the range shown and the numbers agree."""
    app.query_params[key] = day
    app.run()
    assert not app.exception and not app.error
    start, end = app.sidebar.date_input[0].value
    assert start <= end and (start.isoformat() == day or end.isoformat() == day)
    if expected is None:
        assert "No customers match these filters" in app.info[0].value
    else:
        sample = open_dataset("sample").filter(FilterState(date_from=start, date_to=end))
        assert metric(app, "Customers") == f"{int(overview.kpis(sample)['customers'].iloc[0]):,}" != "5,000"


def test_sentiment_page_follows_url_filters(app):
    from dashboard.sentiment import conversations_in_view

    app.query_params["seg.region"] = ["Europe"]
    app.run()
    app.switch_page("pages/5_Sentiment.py").run()
    assert not app.exception and not app.error
    expected = conversations_in_view(open_dataset("sample").filter(segments={"region": ["Europe"]}))
    assert any(f"{len(expected):,} conversations in view" in c.value for c in app.caption)
    assert len(app.text) > 1  # the transcript of the most negative conversation, shown as plain text


def test_flow_says_what_a_channel_filter_does_to_journeys(app):
    app.query_params["channel"] = "email"
    app.run()
    app.switch_page("pages/3_Flow.py").run()
    assert not app.exception and not app.error
    assert any(c.value.startswith("Only email touchpoints count in this view") for c in app.caption)


def test_sentiment_with_no_conversations_in_view_offers_a_reset(app):
    """The sample has transcripts: a date range before the data says so and resets, not 'attach transcripts'."""
    app.query_params["from"] = "2024-01-01"
    app.query_params["to"] = "2024-01-31"
    app.run()
    app.switch_page("pages/5_Sentiment.py").run()
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("No conversations of the customers in view match these filters")
    app.button(key="reset_empty").click().run()
    assert app.query_params.get("from") in (None, [], "")
    assert not app.info and any("conversations in view" in c.value for c in app.caption)


def test_hostile_text_from_files_is_shown_as_text(app, shared_store_dir, tmp_path):
    import pandas as pd

    from dashboard import DatasetStore, read_events
    from dashboard.conversations import attach_transcripts

    hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> [click](http://evil.example) ![x](http://evil.example/a.png)"
    events = pd.DataFrame({"customer_id": ["c1", "c1"], "event_time": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True),
                           "journey_stage": ["awareness", "conversion"], "channel": [hostile, "web"]})
    store = DatasetStore(shared_store_dir)
    dataset = read_events(events, store=store, name=hostile)
    attach_transcripts(dataset.id, pd.DataFrame({"conversation_id": ["k"], "speaker": ["Customer"], "customer_id": ["c1"],
                                                 "text": [hostile + " this is awful"], "timestamp": ["2025-01-02"]}), store=store)
    app.query_params["ds"] = dataset.id
    app.run()
    app.switch_page("pages/5_Sentiment.py").run()
    assert not app.exception
    assert any(hostile in t.value for t in app.text)
    rendered = [m.value for m in app.markdown] + [c.value for c in app.caption] + [w.value for w in app.warning]
    assert not any("<script>" in r or "](http" in r for r in rendered)
    app.switch_page("pages/9_Data.py").run()
    assert not app.exception
    assert not any("<script>" in m.value or "](http" in m.value for m in app.markdown)


def test_sentiment_topics_show_the_example_turns_in_full(app):
    from dashboard.ui.cache import ANALYTICS

    app.run()
    app.switch_page("pages/5_Sentiment.py").run()
    assert not app.exception
    expected = ANALYTICS["negative_topics_in_view"](open_dataset("sample"), None, None)
    shown = next(t.value for t in app.table if "Example 1" in t.value.columns)  # plain text that wraps, not the grid that cuts long cells
    assert shown["Example 1"].tolist() == expected["example_1"].tolist()
    assert shown["Turns"].tolist() == [f"{n:,}" for n in expected["turns"]]


def test_a_breakdown_by_an_attribute_the_filters_pin_to_one_value_moves_to_another(app):
    app.run()
    app.switch_page("pages/2_Funnel.py").run()
    assert app.selectbox(key="opt_by").value == "region"
    app.sidebar.multiselect(key="f_seg_region").set_value(["Europe"]).run()
    assert not app.exception
    assert app.selectbox(key="opt_by").value == "plan"
    assert any("breakdown moved to 'plan'" in c.value for c in app.caption)
