"""Loading a small hand-built extract end to end: quality report, canonical table, filters."""
from datetime import date

import pandas as pd
import pytest

import dashboard
from dashboard import DatasetStore, FilterState, open_dataset, read_events, reload_events, set_stage_order
from dashboard.errors import MappingError, NoValidRowsError
from dashboard.loading import cluster_columns
from dashboard.store import EVENTS
from tests.conftest import write

CSV = """user_id,event_time,journey_stage,channel,touchpoint,region,revenue
00123,2025-01-01 09:00,Awareness,Web,blog,EU,
00123,2025-01-03 10:00,consideration ,email,newsletter,EU,
00123,2025-01-05 23:30,Conversion,web,checkout,EU,"1,200.50"
123,2025-01-02 08:00,awareness,ads,banner,US,
123,2025-01-02 08:00,awareness,ads,banner,US,
,2025-01-02 09:00,awareness,web,blog,US,
456,not a date,awareness,web,blog,US,
456,2025-01-10 12:00,consideration,web,pricing,US,abc
789,2025-01-31 23:59,awareness,social,post,APAC,
"""


@pytest.fixture
def events(store, tmp_path):
    return read_events(write(tmp_path / "extract.csv", CSV), store=store)


def test_quality_report_counts_every_row(events):
    q = events.quality
    assert (q["rows_read"], q["rows_kept"], q["rows_set_aside"]) == (9, 7, 2)
    assert q["set_aside_reasons"] == {"missing customer id": 1, "unreadable timestamp": 1}
    assert q["duplicates"] == 1
    assert q["customers"] == 4
    assert q["first_ts"] == "2025-01-01T09:00:00+00:00" and q["last_ts"] == "2025-01-31T23:59:00+00:00"
    assert q["events_per_customer"] == {"median": 1.5, "mean": 1.75, "max": 3}
    assert q["warnings"] == ["1 rows: value/revenue not a number, left blank"]


def test_rows_set_aside_are_downloadable_with_reasons(events):
    aside = events.set_aside()
    assert aside[["row", "reason", "user_id", "event_time"]].fillna("").values.tolist() == [
        [6, "missing customer id", "", "2025-01-02 09:00"], [7, "unreadable timestamp", "456", "not a date"]]


def test_canonical_table(events):
    frame = events.to_pandas()
    assert frame["customer_id"].tolist() == ["00123", "00123", "00123", "123", "123", "456", "789"]
    assert frame["stage"].tolist() == ["awareness", "consideration", "conversion", "awareness", "awareness", "consideration", "awareness"]
    assert frame["channel"].tolist() == ["web", "email", "web", "ads", "ads", "web", "social"]
    assert frame["stage_rank"].tolist() == [0, 1, 2, 0, 0, 1, 0]
    assert frame["revenue"].sum() == 1200.5
    assert frame["customer_key"].nunique() == 4
    assert str(frame["ts"].dtype) == "datetime64[us, UTC]"
    assert events.stage_order == ["awareness", "consideration", "conversion"]
    assert events.segments == {"region": "region"}
    assert events.mapping.customer_id == "user_id"


def counts(ds):
    frame = ds.to_pandas()
    return len(frame), frame["customer_id"].nunique()


def test_date_filter_includes_both_whole_days(events):
    assert counts(events.filter(date_from=date(2025, 1, 2), date_to=date(2025, 1, 5))) == (4, 2)


def test_date_filter_uses_the_chosen_time_zone(events):
    assert counts(events.filter(date_from=date(2025, 1, 2), date_to=date(2025, 1, 5), tz="Asia/Seoul")) == (3, 2)


def test_stage_filter_keeps_customers_who_reached_the_stage_with_all_their_events(events):
    assert counts(events.filter(stages=["conversion"])) == (3, 1)
    assert counts(events.filter(stages=["conversion"], date_to=date(2025, 1, 3))) == (0, 0)


def test_segment_and_channel_filters_keep_matching_events(events):
    assert counts(events.filter(segments={"region": ["US"]}, channels=["web"])) == (1, 1)


def test_filter_state_object_gives_the_same_result(events):
    state = FilterState(dataset=events.id, channels=("ads",))
    assert counts(events.filter(state)) == (2, 1)


def test_reopening_after_restart_does_not_reparse(events, store):
    (events.folder / events.manifest["source"]["stored"]).unlink()  # the original is gone
    again = open_dataset(events.id, DatasetStore(store.root))
    assert counts(again) == (7, 4)


def test_reload_with_corrected_mapping_keeps_id_and_name(events, store):
    again = reload_events(events.id, mapping={"segments": [], "channel": "touchpoint", "touchpoint": None}, store=store)
    assert again.id == events.id and again.name == "extract.csv"
    assert again.segments == {} and again.values("channel")[0] == "banner"


def test_stage_order_can_be_changed_without_rereading(events, store):
    changed = set_stage_order(events.id, ["consideration", "awareness", "conversion"], store=store)
    assert changed.stage_order == ["consideration", "awareness", "conversion"]
    assert changed.to_pandas()["stage_rank"].tolist()[:3] == [1, 0, 2]


def test_stored_rows_are_grouped_by_the_few_valued_constant_attributes(store):
    """region (2 values) and plan (3) never change within a customer; device does. The rows are stored by region,
    then plan, then event order, so a filter on either reads only the row groups holding its values."""
    rows = [("a", 1, "awareness", "US", "phone", "p1"), ("a", 2, "conversion", "US", "laptop", "p1"),
            ("b", 1, "awareness", "EU", "phone", "p2"), ("b", 3, "conversion", "EU", "phone", "p2"),
            ("c", 2, "awareness", "US", "laptop", "p0"), ("d", 1, "awareness", "EU", "phone", "p1")]
    frame = pd.DataFrame([{"customer_id": c, "event_time": pd.Timestamp(2025, 1, d, tz="UTC"), "journey_stage": s,
                           "region": r, "device": dv, "plan": p} for c, d, s, r, dv, p in rows])
    events = read_events(frame, store=store, mapping={"segments": ["region", "device", "plan"]})
    segments, values = events.manifest["segments"], events.manifest["values"]
    assert cluster_columns(segments, values) == ["region", "plan"]  # the fewest values first; device is not constant

    def stored() -> list[tuple]:
        table = pd.read_parquet(events.folder / EVENTS)
        ids = dict(events.base_table.select("customer_key", "customer_id").distinct().execute().values)
        return [(ids[k], r, p, q) for k, r, p, q in table[["customer_key", "region", "plan", "seq"]].itertuples(index=False)]

    # EU before US; within EU plan p1 (d) before p2 (b); within US p0 (c) before p1 (a); seq keeps the event order
    assert stored() == [("d", "EU", "p1", 5), ("b", "EU", "p2", 2), ("b", "EU", "p2", 3), ("c", "US", "p0", 4),
                        ("a", "US", "p1", 0), ("a", "US", "p1", 1)]
    events = changed = set_stage_order(events.id, ["conversion", "awareness"], store=store)
    assert [r[0] for r in stored()] == ["d", "b", "b", "c", "a", "a"]  # a new stage order keeps the grouping
    assert changed.to_pandas()["customer_id"].tolist() == ["a", "a", "b", "b", "c", "d"]  # the event order is seq's
    assert changed.filter(segments={"region": ["US"]}).to_pandas()["stage"].tolist() == ["awareness", "conversion", "awareness"]


def test_stages_derived_from_touchpoints_when_there_is_no_stage_column(store, tmp_path):
    path = write(tmp_path / "nostage.csv", "visitor,ts,page\na,2025-01-01,home\na,2025-01-02,cart\nb,2025-01-01,home\n")
    ds = read_events(path, store=store, mapping={"stage_from_touchpoint": {"home": "Awareness", "cart": "Conversion"}})
    assert ds.to_pandas()["stage"].tolist() == ["awareness", "conversion", "awareness"]
    assert ds.stage_order == ["awareness", "conversion"]


def test_dataset_without_stages_still_loads(store, tmp_path):
    ds = read_events(write(tmp_path / "plain.csv", "visitor,ts,page\na,2025-01-01,home\n"), store=store)
    assert not ds.has_stages and ds.stage_order == [] and counts(ds) == (1, 1)


def test_missing_customer_id_column_is_named(store, tmp_path):
    with pytest.raises(MappingError, match="No column could be used as the customer id"):
        read_events(write(tmp_path / "x.csv", "when,what\n2025-01-01,x\n2025-01-02,y\n"), store=store)
    assert store.list() == []


def test_all_rows_invalid(store, tmp_path):
    with pytest.raises(NoValidRowsError, match=r"All 2 rows had to be set aside \(2 × unreadable timestamp\)"):
        read_events(write(tmp_path / "x.csv", "user_id,event_time\na,soon\nb,later\n"), store=store)
    assert store.list() == [] and list(store.root.iterdir()) == []


def test_header_only_file(store, tmp_path):
    with pytest.raises(dashboard.FileReadError, match="has a header but no data rows"):
        read_events(write(tmp_path / "x.csv", "user_id,event_time\n"), store=store)


def test_dataframe_source_and_sample(store):
    frame = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02"], utc=True)})
    assert counts(read_events(frame, store=store)) == (2, 2)


def test_sample_has_the_promised_shape(store):
    sample = dashboard.sample_events(store)
    q = sample.quality
    assert q["customers"] == 5000 and 45_000 < q["rows_kept"] < 55_000 and q["rows_set_aside"] == 0
    assert sample.stage_order == ["awareness", "consideration", "conversion", "retention", "advocacy"]
    assert set(sample.values("channel")) == {"web", "email", "paid ads", "social", "app", "chatbot", "call centre", "store"}
    assert set(sample.segments) == {"region", "plan", "campaign", "device"} and sample.has_revenue
    transcripts = sample.manifest["transcripts"]
    assert transcripts["conversations"] > 3000 and transcripts["unlinked"] == 0 and transcripts["not_scored"] == 0


EUROS = """customer,when,stage,amount
a,2025-01-01 09:00,awareness,
a,2025-01-02 09:00,conversion,"€1.200,50"
b,2025-01-03 09:00,conversion,"€30,25"
"""


def test_revenue_written_with_a_currency_sign_keeps_it(store, tmp_path):
    events = read_events(write(tmp_path / "euros.csv", EUROS), store=store, mapping={"revenue": "amount"})
    assert events.revenue_currency == "€"
    assert events.to_pandas()["revenue"].sum() == 1230.75
    assert events.quality["warnings"] == []


def test_revenue_in_several_currencies_is_summed_with_a_warning(store, tmp_path):
    mixed = EUROS.replace('"€30,25"', "$30.25")
    events = read_events(write(tmp_path / "mixed.csv", mixed), store=store, mapping={"revenue": "amount"})
    assert events.revenue_currency is None
    assert events.quality["warnings"] == ["2 rows: value/revenue written in several currencies (€, $), summed as plain numbers"]


def test_the_overview_shows_revenue_in_the_file_currency(store, store_dir, tmp_path):
    from streamlit.testing.v1 import AppTest

    events = read_events(write(tmp_path / "euros.csv", EUROS), store=store, mapping={"revenue": "amount"})
    app = AppTest.from_file("../app.py", default_timeout=60)
    app.query_params["ds"] = events.id
    app.switch_page("pages/1_Overview.py").run()
    assert not app.exception
    assert next(m.value for m in app.metric if m.label == "Revenue") == "€1,231"
