"""Filtered views agree with a plain-pandas filter followed by the plain-pandas definitions.

Filters that keep whole customers (a stage, or a segment that never changes within a customer) are
answered from the unfiltered per-customer tables; the others are recomputed from the touchpoints.
Both must give the numbers of the definitions applied to the filtered rows, whether the view's touchpoints
are copied once (a small view) or read from the stored file by every query (a large one), and whether its
daily counts come from the whole dataset's (whole UTC days, channels, constant segments) or its touchpoints."""
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import naive
from dashboard import DatasetStore, FilterState, dataset, read_events
from dashboard.durations import stage_durations
from dashboard.flow import flow, path_counts
from dashboard.funnel import funnel
from dashboard.overview import channel_mix_by_stage, kpis, segment_conversion, touchpoints_over_time

STAGES = ["awareness", "consideration", "conversion", "retention"]
CHANNELS = ["web", "email", "store"]
journeys = st.lists(st.tuples(st.integers(0, 9), st.sampled_from(STAGES), st.integers(0, 30 * 24), st.sampled_from(CHANNELS),
                              st.sampled_from(["phone", "laptop"])), min_size=1, max_size=50)
filters = st.fixed_dictionaries({
    "region": st.sampled_from([(), ("EU",), ("US",)]),
    "device": st.sampled_from([(), ("phone",)]),
    "channels": st.sampled_from([(), ("web",), ("web", "email")]),
    "stages": st.sampled_from([(), ("conversion",), ("consideration", "retention")]),
    "days": st.sampled_from([(None, None), (date(2025, 1, 5), date(2025, 1, 20)), (date(2025, 1, 10), None)]),
    "tz": st.sampled_from(["UTC", "Asia/Tokyo"]),  # UTC days are answered from the whole dataset's daily counts
})


def load(rows, tmp_path_factory):
    frame = pd.DataFrame([{"customer_id": f"c{c}", "event_time": pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=h),
                           "journey_stage": s, "channel": ch, "region": "EU" if c % 2 else "US", "device": d}
                          for c, s, h, ch, d in rows])
    return read_events(frame, store=DatasetStore(tmp_path_factory.mktemp("f")), stage_order=STAGES,
                       mapping={"segments": ["region", "device"]})


def pandas_view(frame: pd.DataFrame, choice: dict) -> pd.DataFrame:
    """The filter rules of the counting model, in pandas."""
    keep = pd.Series(True, index=frame.index)
    start, end = choice["days"]
    if start:
        keep &= frame["ts"] >= pd.Timestamp(start, tz=choice["tz"]).tz_convert("UTC").tz_localize(None)
    if end:
        keep &= frame["ts"] < pd.Timestamp(end + timedelta(days=1), tz=choice["tz"]).tz_convert("UTC").tz_localize(None)
    if choice["region"]:
        keep &= frame["region"].isin(choice["region"])
    if choice["device"]:
        keep &= frame["device"].isin(choice["device"])
    if choice["channels"]:
        keep &= frame["channel"].isin(choice["channels"])
    kept = frame[keep]
    if choice["stages"]:
        reached = kept.loc[kept["stage"].isin(choice["stages"]), "customer_key"].unique()
        kept = kept[kept["customer_key"].isin(reached)]
    return kept


def any_order_counts(frame: pd.DataFrame, steps: list[str]) -> list[int]:
    has = {s: set(frame.loc[frame["stage"] == s, "customer_key"]) for s in steps}
    counts, chain = [], None
    for step in steps:
        chain = has[step] if chain is None else chain & has[step]
        counts.append(len(chain))
    return counts


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=journeys, choice=filters, copied=st.booleans())
def test_filtered_views_match_pandas(rows, choice, copied, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dataset, "SMALL_VIEW_ROWS", dataset.SMALL_VIEW_ROWS if copied else 0)  # 0: only an empty view is copied
        check_view(rows, choice, tmp_path_factory)


def check_view(rows, choice, tmp_path_factory):
    events = load(rows, tmp_path_factory)
    view = events.filter(FilterState(dataset=events.id, channels=choice["channels"], stages=choice["stages"],
                                     date_from=choice["days"][0], date_to=choice["days"][1], tz=choice["tz"])
                         .with_segments({"region": choice["region"], "device": choice["device"]}))
    everything = events.to_pandas()
    everything["ts"] = everything["ts"].dt.tz_localize(None)
    constant = everything.groupby("customer_key")["device"].nunique().max() == 1
    assert [s["per_customer"] for s in events.manifest["segments"]] == [True, bool(constant)]
    assert view.selects_customers_only == ((not choice["device"] or constant) and not choice["channels"] and not any(choice["days"])
                                           and bool(choice["region"] or choice["device"] or choice["stages"] or choice["tz"] != "UTC")
                                           and all(s in events.stage_order for s in choice["stages"]))
    frame = pandas_view(everything, choice)
    stages = events.stage_order
    if not view.filters.is_default_view():
        copy = getattr(view.table.op(), "name", "")
        assert copy.startswith("m_") == (dataset.SMALL_VIEW_ROWS > 0 or frame.empty)  # the path under test is taken
        assert "stage" not in view.table.columns and "channel_code" in view.table.columns  # codes, not text

    headline = kpis(view).iloc[0]
    assert headline["customers"] == frame["customer_key"].nunique()
    assert headline["touchpoints"] == len(frame)
    over_time = touchpoints_over_time(view, freq="day")
    assert over_time.groupby("channel")["touchpoints"].sum().to_dict() == frame.groupby("channel").size().to_dict()
    mix = channel_mix_by_stage(view).set_index(["stage", "channel"])["touchpoints"].to_dict()
    assert mix == frame.groupby(["stage", "channel"]).size().to_dict()
    converters = set(frame.loc[frame["stage"] == "conversion", "customer_key"])
    assert headline["converted"] == len(converters)
    assert path_counts(view, max_steps=3)["converted"].sum() == len(converters)
    first = frame.sort_values(["customer_key", "seq"]).groupby("customer_key").first()  # segments at the first event in view
    by_segment = segment_conversion(view).set_index(["attribute", "segment"])
    for column in ("region", "device") if "conversion" in events.stage_order else ():
        for value, members in first.groupby(column).groups.items():
            assert by_segment.loc[(column, value), "customers"] == len(members)
            assert by_segment.loc[(column, value), "converted"] == len(converters & set(members))
    assert funnel(view)["customers"].tolist() == naive.funnel_counts(frame, stages)
    assert funnel(view, window=timedelta(days=3))["customers"].tolist() == naive.funnel_counts(frame, stages, window_s=3 * 86400)
    assert funnel(view, stages[::-1])["customers"].tolist() == naive.funnel_counts(frame, stages[::-1])
    assert funnel(view, order="any")["customers"].tolist() == any_order_counts(frame, stages)
    for dimension, steps in (("stage", 4), ("channel", 4), ("stage", 7)):  # 7 steps: the ten-step paths, not the five
        ours = flow(view, dimension=dimension, max_steps=steps).sort_values(["step", "source", "target"]).reset_index(drop=True)
        theirs = naive.flow_links(frame, column=dimension, max_steps=steps)
        theirs = theirs.sort_values(["step", "source", "target"]).reset_index(drop=True)
        assert ours.values.tolist() == theirs.values.tolist()
    if frame.empty or len(stages) < 2:
        return
    ours = stage_durations(view).set_index(["from_stage", "to_stage"])
    theirs = naive.durations(frame, stages)
    if theirs.empty:  # the view lacks a stage of every pair: nobody has both
        assert ours["customers"].sum() == 0
        return
    split = stage_durations(view, by="device").groupby(["from_stage", "to_stage"])["customers"].sum()
    assert split.to_dict() == ours["customers"].to_dict()
    for key, row in theirs.set_index(["from_stage", "to_stage"]).iterrows():
        assert ours.loc[key, "customers"] == row["customers"] and ours.loc[key, "out_of_order"] == row["out_of_order"]
        if row["customers"]:
            assert abs(ours.loc[key, "median"] - row["median"]) < 1e-6
