"""AppTest of the Data page: import folder and refresh, mapping corrections, rename and delete."""
import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import DatasetStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_page(shared_store_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(shared_store_dir))
    monkeypatch.setenv("JOURNEY_LENS_INCOMING", str(tmp_path / "incoming"))
    (tmp_path / "incoming").mkdir()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/9_Data.py").run()
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def active_id(at):
    value = at.query_params.get("ds")
    return value if isinstance(value, str) else value[0]


def test_import_folder_load_and_refresh_keeps_id_and_mapping(data_page, tmp_path):
    path = tmp_path / "incoming" / "weekly extract.csv"
    path.write_text("client_id;Zeitstempel;Kanal\nk1;2025-01-01;web\nk2;2025-01-02;email\n", encoding="utf-8")
    data_page.run()
    button(data_page, "Load as new dataset").click().run()
    assert not data_page.exception and metric(data_page, "Rows read") == "2"
    first_id = active_id(data_page)
    path.write_text("client_id;Zeitstempel;Kanal\nk1;2025-01-01;web\nk2;2025-01-02;email\nk3;2025-01-03;web\n", encoding="utf-8")
    later = time.time() + 10
    os.utime(path, (later, later))
    data_page.run()
    button(data_page, "Refresh (newer file)").click().run()
    assert not data_page.exception
    assert active_id(data_page) == first_id and metric(data_page, "Rows read") == "3"


def test_unrecognised_columns_are_mapped_before_loading(data_page):
    csv = "Kunde;Zeit;Kanal\nk1;2025-01-01;web\nk2;2025-01-02;email\n".encode()
    data_page.file_uploader[0].set_value(("german.csv", csv, "text/csv")).run()
    assert "No column could be used as the customer id" in data_page.error[0].value
    data_page.selectbox(key="pending_customer_id").set_value("Kunde")
    data_page.selectbox(key="pending_timestamp").set_value("Zeit")
    button(data_page, "Load with this mapping").click().run()
    assert not data_page.exception and not data_page.error
    assert metric(data_page, "Rows kept") == "2" and metric(data_page, "Customers") == "2"


def test_ambiguous_dates_can_be_switched_to_month_first(data_page):
    csv = b"user_id,event_time\na,01/02/2025\nb,03/04/2025\n"
    data_page.file_uploader[0].set_value(("dates.csv", csv, "text/csv")).run()
    assert "read **day-first**" in data_page.warning[0].value
    assert metric(data_page, "First touchpoint") == "2025-02-01"
    dataset_id = active_id(data_page)
    data_page.selectbox(key=f"map_ts_{dataset_id}").set_value("monthfirst")
    button(data_page, "Apply mapping").click().run()
    assert not data_page.exception
    assert metric(data_page, "First touchpoint") == "2025-01-02" and active_id(data_page) == dataset_id


def test_rename_and_delete_with_confirmation(data_page, shared_store_dir):
    data_page.file_uploader[0].set_value(("to delete.csv", b"user_id,event_time\na,2025-01-01\n", "text/csv")).run()
    dataset_id = active_id(data_page)
    data_page.text_input(key=f"rename_{dataset_id}").set_value("Renamed extract").run()
    button(data_page, "Rename").click().run()
    assert DatasetStore(shared_store_dir).manifest(dataset_id)["name"] == "Renamed extract"
    button(data_page, "Delete…").click().run()
    assert "cannot be undone" in data_page.warning[0].value
    assert DatasetStore(shared_store_dir).exists(dataset_id)
    button(data_page, "Yes, delete it").click().run()
    assert not DatasetStore(shared_store_dir).exists(dataset_id)
    assert not data_page.exception and data_page.query_params.get("ds") in (None, [], "")
