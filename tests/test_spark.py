"""A table left in a local Spark session, connected as a dataset: only results come back, the app
opens it by link like any dataset, and mistakes get plain messages. (The analytics' own numbers are
checked on Spark by test_analytics.py, which runs every case on both engines.)"""
import json

import numpy as np
import pandas as pd
import pytest
from ibis.backends.pyspark import Backend as SparkBackend
from streamlit.testing.v1 import AppTest

from conftest import ROOT, spark_table
from dashboard import DatasetStore
from dashboard.conversations import attach_transcripts
from dashboard.errors import MappingError, StoreError
from dashboard.sources import connect_table
from dashboard.ui.cache import ANALYTICS

pytestmark = pytest.mark.spark
STAGES = ["awareness", "consideration", "conversion", "retention"]
CUSTOMERS, EVENTS = 200, 2_000


def touchpoints() -> pd.DataFrame:
    """2,000 touchpoints of 200 customers with odd column names (seeded)."""
    rng = np.random.default_rng(3)
    customer = rng.integers(0, CUSTOMERS, EVENTS)
    return pd.DataFrame({
        "user": [f"u{c:04d}" for c in customer],
        "event_time": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 90 * 86400, EVENTS), unit="s"),
        "lifecycle_stage": np.array(STAGES)[np.minimum(rng.integers(0, 4, EVENTS), customer % 4)],
        "channel": rng.choice(["web", "email", "store"], EVENTS),
        "region": np.where(customer % 2 == 0, "EU", "US"),
    })


@pytest.fixture(scope="module")
def connected(spark_connection, tmp_path_factory):
    store = DatasetStore(tmp_path_factory.mktemp("spark") / "store")
    table = spark_table(spark_connection, "touchpoints_extract", touchpoints())
    return connect_table(spark_connection, table, stage_order=STAGES, store=store, mapping={"segments": ["region"]})


def test_connect_describes_the_table_in_the_engine(connected):
    assert connected.is_connected and connected.mapping.customer_id == "user"
    assert not connected.every_touchpoint_staged  # first_ts stays min(ts): least() skips nulls on some engines only
    assert connected.quality["rows_kept"] == EVENTS and connected.quality["customers"] == CUSTOMERS
    assert connected.stage_order == STAGES and sorted(connected.values("channel")) == ["email", "store", "web"]
    text = (connected.folder / "manifest.json").read_text()
    assert "spark://" not in text and "local[2]" not in text  # the connection's URL is never stored


def test_only_results_come_back_from_spark(connected, monkeypatch):
    """Every page function runs with the default options; no result has as many rows as the raw table."""
    returned = []
    execute = SparkBackend.execute

    def counting(self, expr, *args, **kwargs):
        result = execute(self, expr, *args, **kwargs)
        returned.append(len(result) if hasattr(result, "__len__") else 1)
        return result

    calls = pd.DataFrame({"conversation_id": [f"k{i}" for i in range(60)], "turn_index": 1, "speaker": "Customer",
                          "text": ["This is awful", "Thanks, great help"] * 30, "customer_id": [f"u{i * 3:04d}" for i in range(60)],
                          "timestamp": pd.Timestamp("2025-02-01", tz="UTC"), "channel": "call"})
    monkeypatch.setattr(SparkBackend, "execute", counting)
    with_calls = attach_transcripts(connected.id, calls, store=DatasetStore(connected.folder.parent))
    view = with_calls.filter(segments={"region": ["EU"]})
    for name in ("kpis", "funnel", "funnel_breakdown", "conversion_over_time", "time_to_convert", "path_counts",
                 "stage_durations", "segment_conversion", "touchpoints_over_time", "channel_mix_by_stage",
                 "conversations_in_view", "tone_outcomes_in_view"):
        args = ("region",) if name == "funnel_breakdown" else ()
        ANALYTICS[name](view, *args)
    assert returned and max(returned) <= CUSTOMERS < EVENTS
    shown = ANALYTICS["conversations_in_view"](view)
    assert 0 < len(shown) < 60 and set(shown["region"]) == {"EU"}  # joined to the journeys in Spark


def test_a_link_to_the_connected_dataset_opens_it(connected, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(connected.folder.parent))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["ds"] = connected.id
    at.query_params["seg.region"] = "EU"
    at.run()
    assert not at.exception and not at.error
    expected = ANALYTICS["kpis"](connected.filter(segments={"region": ["EU"]})).iloc[0]
    customers = next(m.value for m in at.metric if m.label == "Customers")
    assert customers == f"{int(expected['customers']):,}" and 0 < int(expected["customers"]) < CUSTOMERS


def test_plain_messages_for_connection_mistakes(spark_connection, tmp_path):
    store = DatasetStore(tmp_path / "store")
    with pytest.raises(StoreError, match="No connection named “warehouse” is configured"):
        connect_table("warehouse", "touchpoints", store=store)
    with pytest.raises(StoreError, match="The table “no_such_table” was not found"):
        connect_table(spark_connection, "no_such_table", store=store)
    table = spark_table(spark_connection, "no_time_column", pd.DataFrame({"user": ["a"], "colour": ["red"]}))
    with pytest.raises(MappingError, match="no column for timestamp"):
        connect_table(spark_connection, table, store=store)
    assert store.list() == []


def test_data_page_connects_parquet_files_read_by_spark(spark_connection, tmp_path, monkeypatch):
    """A user picks the connection, types a Parquet path, and the connected dataset becomes the active one."""
    path = tmp_path / "lake" / "touchpoints.parquet"
    path.parent.mkdir()
    touchpoints().to_parquet(path)
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(tmp_path / "store"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/9_Data.py").run()
    form_box = next(s for s in at.selectbox if s.label == "Connection")
    assert spark_connection in form_box.options
    form_box.set_value(spark_connection)
    next(t for t in at.text_input if t.label == "Table").input(str(path))
    next(b for b in at.button if b.label == "Connect").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    dataset_id = at.query_params.get("ds")
    dataset_id = dataset_id if isinstance(dataset_id, str) else dataset_id[0]
    entry = DatasetStore(tmp_path / "store").manifest(dataset_id)
    assert entry["source"]["kind"] == "connected" and entry["quality"]["customers"] == CUSTOMERS
    assert any("stay there" in i.value for i in at.info)


def test_sentiment_page_of_a_connected_dataset(connected, monkeypatch):
    """Transcripts attached to a table left in Spark: the Sentiment page shows the conversations of the customers in view."""
    calls = pd.DataFrame({"conversation_id": ["x1", "x2", "x3"], "turn_index": 1, "speaker": "Customer",
                          "text": ["This is awful", "Great, thanks", "Terrible wait"], "customer_id": ["u0000", "u0001", "zz"],
                          "timestamp": pd.Timestamp("2025-02-01", tz="UTC"), "channel": "chat"})
    attach_transcripts(connected.id, calls, store=DatasetStore(connected.folder.parent))
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(connected.folder.parent))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["ds"] = connected.id
    at.run()
    at.switch_page("pages/5_Sentiment.py").run()
    assert not at.exception and not at.error, (at.exception, at.error)
    figures = {m.label: m.value for m in at.metric}
    assert figures["Conversations"] == "3"  # the default view counts every conversation, the unlinked one too
