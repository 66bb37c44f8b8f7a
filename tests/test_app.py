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
    assert app.dataframe[0].value["reason"].tolist() == ["missing timestamp"]


def test_bad_upload_shows_a_message_and_keeps_the_app(app):
    app.run()
    app.switch_page("pages/9_Data.py").run()
    app.file_uploader[0].set_value(("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv")).run()
    assert "not a text table" in app.error[0].value
    assert not app.exception
