"""Funnel, flow, durations and overview numbers on a hand-built set of seven journeys.

Stages: A = awareness, C = consideration, V = conversion, R = retention; day N = 2025-01-N 10:00 UTC.
  c1: A1 C2 V3 R10        straight through
  c2: A1 V2 C3            conversion before consideration
  c3: C1 A2 C3 V4         starts in consideration, loops back
  c4: A1                  drops at once
  c5: C1 V2               skips awareness
  c6: C1 A1 V40           A and C at the same second; the C row comes first in the file
  c7: A1 A2 C3            a repeat
"""
from datetime import timedelta

import pandas as pd
import pytest

from conftest import spark_table
from dashboard import DatasetStore, read_events
from dashboard.durations import stage_durations
from dashboard.errors import OptionError
from dashboard.flow import flow, path_counts, top_paths
from dashboard.funnel import conversion_over_time, funnel, funnel_breakdown, step_customers, time_to_convert
from dashboard.overview import kpis, segment_conversion, touchpoints_over_time
from dashboard.takeaways import cohort_takeaway, funnel_takeaway
from dashboard.sources import connect_table

A, C, V, R = "awareness", "consideration", "conversion", "retention"
JOURNEYS = {
    "c1": [(A, 1), (C, 2), (V, 3), (R, 10)],
    "c2": [(A, 1), (V, 2), (C, 3)],
    "c3": [(C, 1), (A, 2), (C, 3), (V, 4)],
    "c4": [(A, 1)],
    "c5": [(C, 1), (V, 2)],
    "c6": [(C, 1), (A, 1), (V, 40)],
    "c7": [(A, 1), (A, 2), (C, 3)],
}
REGION = {"c1": "EU", "c2": "EU", "c3": "US", "c4": "US", "c5": "US", "c6": "EU", "c7": "US"}


def day(n: int) -> pd.Timestamp:
    return pd.Timestamp("2025-01-01 10:00", tz="UTC") + pd.Timedelta(days=n - 1)


def journeys_frame() -> pd.DataFrame:
    return pd.DataFrame([{"customer_id": c, "event_time": day(d), "journey_stage": s, "channel": "web" if s in (A, C) else "store",
                          "region": REGION[c]} for c, journey in JOURNEYS.items() for s, d in journey])


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def events(request, tmp_path_factory):
    """The seven journeys, loaded into the app (DuckDB) or left in a local Spark session (connected)."""
    store = DatasetStore(tmp_path_factory.mktemp("analytics") / "store")
    if request.param == "duckdb":
        return read_events(journeys_frame(), store=store, stage_order=[A, C, V, R])
    connection = request.getfixturevalue("spark_connection")
    table = spark_table(connection, "seven_journeys", journeys_frame())
    return connect_table(connection, table, stage_order=[A, C, V, R], store=store)


def test_ordered_funnel(events):
    table = funnel(events)
    assert table["step"].tolist() == [A, C, V, R]
    assert table["customers"].tolist() == [6, 5, 3, 1]
    assert table["dropped"].tolist() == [0, 1, 2, 2]
    assert table["pct_of_first"].round(2).tolist() == [100.0, 83.33, 50.0, 16.67]
    assert table["pct_of_previous"].round(2).tolist() == [100.0, 83.33, 60.0, 33.33]


@pytest.mark.parametrize("days,expected", [(30, [6, 5, 2, 1]), (7, [6, 5, 2, 0])])
def test_conversion_window(events, days, expected):
    assert funnel(events, window=timedelta(days=days))["customers"].tolist() == expected


def test_any_order_funnel(events):
    assert funnel(events, order="any")["customers"].tolist() == [6, 5, 4, 1]


def test_custom_steps(events):
    assert funnel(events, [C, V])["customers"].tolist() == [6, 4]  # c2 converts before considering; c7 never converts


def test_empty_selection(events):
    table = funnel(events.filter(segments={"region": ["EU"]}, channels=["store"]))
    assert table["customers"].tolist() == [0, 0, 0, 0]
    assert table["pct_of_first"].isna().all()


def test_bad_options_name_the_argument(events):
    with pytest.raises(OptionError, match="Option 'order' received 'sideways', but expected 'ordered' or 'any'."):
        funnel(events, order="sideways")
    with pytest.raises(OptionError, match="Option 'window' received 7"):
        funnel(events, window=7)
    with pytest.raises(OptionError, match="Option 'freq' received 'year', but expected 'day', 'week' or 'month'."):
        touchpoints_over_time(events, freq="year")


def test_breakdown_by_region(events):
    table = funnel_breakdown(events, "region")
    eu = table[table["segment"] == "EU"]["customers"].tolist()
    us = table[table["segment"] == "US"]["customers"].tolist()
    assert eu == [3, 3, 2, 1] and us == [3, 2, 1, 0]
    assert table["too_small"].all()


def test_drill_down_and_time_to_convert(events):
    assert step_customers(events, 1)["customer_id"].tolist() == ["c4"]
    assert step_customers(events, 2)["customer_id"].tolist() == ["c2", "c7"]
    assert step_customers(events, 2, outcome="continued")["customer_id"].tolist() == ["c1", "c3", "c6"]
    ttc = time_to_convert(events, [A, C, V])
    assert dict(zip(ttc["customer_id"], ttc["seconds"] / 86400)) == {"c1": 2.0, "c3": 2.0, "c6": 39.0}


def test_conversion_over_time(events):
    table = conversion_over_time(events, [A, C, V], freq="month")
    assert table[["entered", "converted"]].values.tolist() == [[6, 3]]
    assert round(table["conversion_rate"].iloc[0], 2) == 50.0


def test_flow_links_collapse_repeats_and_end(events):
    links = flow(events, max_steps=3)
    got = {(r.step, r.source, r.target): r.customers for r in links.itertuples()}
    assert got == {(1, A, C): 3, (1, A, V): 1, (1, A, "End"): 1, (1, C, A): 1, (1, C, V): 1,
                   (2, C, V): 2, (2, C, "End"): 1, (2, V, C): 1, (2, A, C): 1, (2, V, "End"): 1}
    assert list(links.columns) == ["step", "source", "target", "customers"]


def test_flow_keeping_repeats(events):
    links = flow(events, max_steps=3, collapse_repeats=False)
    assert {(r.step, r.source, r.target) for r in links.itertuples() if r.source == r.target} == {(1, A, A)}


def test_top_paths_share_and_conversion(events):
    paths = top_paths(events, max_steps=3)
    first = paths.iloc[0]
    assert (first["path"], first["customers"], round(first["share"], 2)) == ("awareness → consideration → conversion", 2, 28.57)
    assert first["conversion_rate"] == 100.0
    assert paths["customers"].sum() == 7
    assert paths.set_index("path").loc["awareness", "conversion_rate"] == 0.0


def test_flow_anchors(events):
    start = top_paths(events, max_steps=2, anchor=V)
    assert dict(zip(start["path"], start["customers"])) == {"conversion": 3, "conversion → retention": 1, "conversion → consideration": 1}
    end = path_counts(events, max_steps=2, anchor=V, anchor_mode="end")
    assert sorted(zip(end["s1"], end["s2"], end["customers"])) == [(A, V, 1), (C, V, 4)]
    longer = path_counts(events, max_steps=6, anchor=V, anchor_mode="end")  # kept from ten steps per customer, not five
    assert longer["s6"].eq(V).all() and longer["customers"].sum() == 5
    assert sorted(longer.groupby(["s5", "s6"])["customers"].sum().items()) == [((A, V), 1), ((C, V), 4)]


def test_stage_durations(events):
    table = stage_durations(events)
    assert list(table.columns) == ["from_stage", "to_stage", "customers", "p25", "median", "p75", "p90", "out_of_order"]
    days = table.set_index("from_stage")[["customers", "p25", "median", "p75", "p90", "out_of_order"]]
    d = 86400
    assert days.loc[A].tolist() == [4, 0.75 * d, 1.5 * d, 2 * d, 2 * d, 1]
    assert days.loc[C].tolist() == [4, 1 * d, 2 * d, 12 * d, pytest.approx(28.2 * d), 1]
    assert days.loc[V].tolist() == [1, 7 * d, 7 * d, 7 * d, 7 * d, 0]


def test_kpis(events):
    row = kpis(events).iloc[0]
    assert (row["customers"], row["touchpoints"], row["converted"]) == (7, 20, 5)
    assert round(row["conversion_rate"], 4) == round(5 / 7, 4)
    assert row["median_days_to_convert"] == 2.0


def test_segment_conversion(events):
    table = segment_conversion(events).set_index("segment")
    assert table.loc["EU", ["customers", "converted"]].tolist() == [3, 3]
    assert table.loc["US", ["customers", "converted"]].tolist() == [4, 2]


def test_funnel_takeaway_names_the_step_losing_most_customers():
    # b loses 600 of 1,000 (60%); c loses 360 of 400 (90%): fewer customers at a higher rate
    table = pd.DataFrame({"step": ["a", "b", "c"], "customers": [1000, 400, 40], "pct_of_first": [100.0, 40.0, 4.0],
                          "pct_of_previous": [100.0, 40.0, 10.0], "dropped": [0, 600, 360]})
    text = funnel_takeaway(table)
    assert text == ("Biggest drop-off: a → b — 600 of 1,000 customers (60%) did not continue; steepest: b → c, 90% of 400. "
                    "Overall, 4.0% of the 1,000 who entered reached c.")
    few = table.assign(customers=[1000, 20, 2], dropped=[0, 980, 18])  # c's 90% of 20: under 30 customers, not judged
    assert "steepest" not in funnel_takeaway(few) and funnel_takeaway(few).startswith("Biggest drop-off: a → b — 980 of 1,000")


def test_cohort_takeaway_names_the_month_or_the_week():
    table = pd.DataFrame({"cohort": pd.to_datetime(["2025-02-01", "2025-03-01"]), "entered": [50, 80], "conversion_rate": [10.0, 12.5]})
    assert cohort_takeaway(table, "month", "advocacy") == "Best cohort: March 2025, 12.5% of 80 entrants."
    assert cohort_takeaway(table, "week", "advocacy") == "Best cohort: the week of 1 Mar 2025, 12.5% of 80 entrants."


def test_duration_bins_have_a_readable_width_and_an_open_tail():
    from dashboard.charts import bin_labels
    from dashboard.durations import bin_days

    days = pd.Series([0, 0.5, 1, 3, 7, 8, 13, 14, 15, 100])
    # 99th percentile: 15 + 0.91 × (100 − 15) = 92.35 days → 7-day bins (92.35 / 2 > 24 bins, / 7 ≤ 24): 14 bins to 98 days
    table = bin_days(days)
    assert table["bin_start_days"].tolist()[:3] == [0, 7, 14] and table["bin_end_days"].iloc[-2] == 98
    assert table["customers"].tolist() == [5, 3, 1] + [0] * 11 + [1]  # (0, 7] holds 0 too; 100 is over 98
    assert table["bin_end_days"].iloc[-1] == float("inf") and table["customers"].sum() == len(days)
    labels = bin_labels(table)
    assert labels[:2] == ["0–7 days", "7–14 days"] and labels[-1] == "over 98 days"
    hours = bin_days(pd.Series([0.1, 0.2, 0.3]))  # 99th percentile 0.298 days = 7.2 h → 1-hour bins
    assert bin_labels(hours)[0] == "0–1 h" and len(hours) == 8 and hours["customers"].sum() == 3
    assert bin_days(pd.Series([], dtype=float)).empty


def test_auto_rare_share_groups_only_when_a_step_has_too_many_values():
    from dashboard.flow import auto_rare_share

    # step 1: twelve values of 10 customers and two of 1 (1 / 122 = 0.8% of the step); step 2: one value
    values = [f"v{i}" for i in range(12)] + ["rare a", "rare b"]
    paths = pd.DataFrame({"s1": values, "s2": ["x"] * 14, "customers": [10] * 12 + [1, 1], "converted": 0})
    assert auto_rare_share(paths) == 0.01  # under 1% → "Other": twelve values left
    assert auto_rare_share(paths, max_nodes=11) == 0.10  # 2% and 5% still leave twelve (10 / 122 = 8.2%); 10% groups all
    assert auto_rare_share(paths.iloc[:12]) == 0.0  # twelve values: nothing to group


def test_overview_takeaways_name_the_period_in_words_and_follow_the_stage_order():
    from dashboard.takeaways import busiest_period_takeaway, channel_mix_takeaway

    over_time = pd.DataFrame({"period": pd.to_datetime(["2025-11-03", "2025-11-03", "2025-11-10"]),
                              "channel": ["web", "email", "web"], "touchpoints": [700, 506, 900]})
    assert busiest_period_takeaway(over_time, "week") == ("The busiest week was the week of 3 Nov 2025, with 1,206 touchpoints; "
                                                          "web is the largest channel.")
    mix = pd.DataFrame({"stage": ["awareness", "awareness", "advocacy"], "channel": ["ads", "web", "social"],
                        "touchpoints": [7, 3, 5], "share": [0.7, 0.3, 1.0]})
    assert channel_mix_takeaway(mix, ["awareness", "advocacy"]) == "Leading channel per stage: awareness: ads (70%); advocacy: social (100%)."
    one = over_time[over_time["channel"] == "web"]  # a filter keeping one channel: nothing to compare
    assert busiest_period_takeaway(one, "month") == "The busiest month was November 2025, with 900 touchpoints."
    assert channel_mix_takeaway(mix.assign(channel="email"), ["awareness", "advocacy"]) == "Every touchpoint in view is email, in every stage."


def test_tone_over_time_takeaway_compares_periods_with_enough_conversations():
    from dashboard.takeaways import tone_over_time_takeaway

    table = pd.DataFrame({"period": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
                          "conversations": [40, 5, 31], "customer_tone": [0.20, -0.90, 0.05]})
    # February has the lowest mean but only 5 conversations: not judged
    assert tone_over_time_takeaway(table, "month") == ("Lowest tone: March 2025 (+0.05, 31 conversations); "
                                                       "highest: January 2025 (+0.20, 40).")
    assert tone_over_time_takeaway(table.iloc[:2], "month").startswith("Too few months")
