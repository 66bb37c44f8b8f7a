"""The whole dataset's daily counts answer a filtered view's touchpoint counts, by hand on a small table."""
from datetime import date

import pandas as pd

from dashboard import DatasetStore, FilterState, read_events
from dashboard import rollup
from dashboard.funnel import funnel
from dashboard.overview import kpis
from dashboard.rollup import daily_counts, rollup_segments, touchpoints_in_view

ROWS = [  # customer, day of January 2025 (hour 23: the next day in Tokyo), channel, stage, region, device, plan
    ("a", 1, "web", "awareness", "EU", "phone", "p1"), ("a", 2, "email", "consideration", "EU", "laptop", "p1"),
    ("a", 3, "store", "conversion", "EU", "phone", "p1"), ("b", 1, "web", "awareness", "US", "phone", "p2"),
    ("b", 3, "web", "consideration", "US", "phone", "p2"), ("c", 2, "email", "awareness", "EU", "laptop", "p3"),
    ("c", 4, None, "conversion", "EU", "laptop", "p3"),
]


def load(store_dir, changing_plan: bool = False):
    frame = pd.DataFrame([{"customer_id": c, "event_time": pd.Timestamp(2025, 1, d, 23, tz="UTC"), "channel": ch,
                           "journey_stage": s, "region": r, "device": dv, "plan": f"{p}-{d}" if changing_plan else p}
                          for c, d, ch, s, r, dv, p in ROWS])
    return read_events(frame, store=DatasetStore(store_dir), stage_order=["awareness", "consideration", "conversion"],
                       mapping={"segments": ["region", "device", "plan"]})


def test_counts_split_by_the_few_valued_constant_attributes(tmp_path):
    events = load(tmp_path)
    assert rollup_segments(events) == ["region", "plan"]  # device changes within customer a: not constant
    whole = daily_counts(events).execute()
    assert int(whole["touchpoints"].sum()) == 7 and set(whole.columns) >= {"day", "stage", "channel", "region", "plan"}
    assert int(whole.loc[whole["region"] == "EU", "touchpoints"].sum()) == 5


def test_a_view_of_utc_days_channels_and_constant_attributes_is_counted_without_its_touchpoints(tmp_path):
    events = load(tmp_path)
    view = events.filter(FilterState(channels=("web", "email"), date_from=date(2025, 1, 2), date_to=date(2025, 1, 3))
                         .with_segments({"region": ["EU"]}))
    assert touchpoints_in_view(view) == 2  # a's email on the 2nd, c's email on the 2nd (b is US; the 3rd is store)
    assert int(daily_counts(view).execute()["touchpoints"].sum()) == 2
    blank = events.filter(FilterState(channels=("(none)",)))
    assert touchpoints_in_view(blank) == 0  # a blank channel is never kept by a channel filter
    assert int(daily_counts(blank).execute()["touchpoints"].sum()) == len(blank.to_pandas()) == 0


def test_other_filters_are_counted_from_the_touchpoints(tmp_path):
    events = load(tmp_path)
    tokyo = events.filter(FilterState(date_from=date(2025, 1, 2), date_to=date(2025, 1, 2), tz="Asia/Tokyo"))
    assert touchpoints_in_view(tokyo) is None
    assert int(daily_counts(tokyo).execute()["touchpoints"].sum()) == 2  # 23:00 UTC on Jan 1st is the 2nd in Tokyo
    for state in (FilterState(stages=("conversion",)), FilterState(touchpoints=("x",)),
                  FilterState().with_segments({"device": ["phone"]})):
        assert touchpoints_in_view(events.filter(state)) is None
    assert int(daily_counts(events.filter(FilterState().with_segments({"device": ["phone"]}))).execute()["touchpoints"].sum()) == 4


def test_the_split_stays_within_its_budget_of_value_combinations(tmp_path, monkeypatch):
    events = load(tmp_path)
    monkeypatch.setattr(rollup, "ROLLUP_MAX_GROUPS", 5)  # region: EU, US or blank (3); plan: 3 values or blank (4)
    assert rollup_segments(events) == ["region"]
    view = events.filter(FilterState().with_segments({"plan": ["p1"]}))
    assert touchpoints_in_view(view) is None and int(daily_counts(view).execute()["touchpoints"].sum()) == 3
    assert rollup_segments(load(tmp_path / "changing", changing_plan=True)) == ["region"]  # a plan that changes: not constant


def test_a_time_zone_alone_keeps_everyone(tmp_path):
    events = load(tmp_path)
    view = events.filter(FilterState(tz="Asia/Tokyo"))  # no dates: every customer, every touchpoint
    assert touchpoints_in_view(view) == 7
    headline = kpis(view).iloc[0]
    assert (headline["customers"], headline["touchpoints"], headline["converted"]) == (3, 7, 2)
    assert funnel(view)["customers"].tolist() == [3, 2, 1]  # c skips consideration; a converts after it
