"""Properties on random journeys, and agreement with a plain-pandas implementation of the same rules."""
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import naive
from dashboard import DatasetStore, read_events
from dashboard.durations import stage_durations
from dashboard.flow import flow
from dashboard.funnel import funnel, funnel_customers

STAGES = ["awareness", "consideration", "conversion", "retention"]
journeys = st.lists(st.tuples(st.integers(0, 7), st.sampled_from(STAGES), st.integers(0, 40 * 24)), min_size=1, max_size=60)


def load(rows, tmp_path_factory):
    frame = pd.DataFrame([{"customer_id": f"c{c}", "event_time": pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=h),
                           "journey_stage": s} for c, s, h in rows])
    return read_events(frame, store=DatasetStore(tmp_path_factory.mktemp("s")), stage_order=STAGES)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=journeys)
def test_funnel_never_increases_and_matches_pandas(rows, tmp_path_factory):
    events = load(rows, tmp_path_factory)
    counts = funnel(events)["customers"].tolist()
    assert counts == sorted(counts, reverse=True)
    assert counts == naive.funnel_counts(events.to_pandas(), events.stage_order)
    assert funnel(events, order="any")["customers"].tolist()[0] == counts[0]


# few customers with many touchpoints each: loops back to earlier stages, ties and skipped stages are common
looping = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(STAGES), st.integers(0, 10 * 24)), min_size=1, max_size=80)
step_orders = st.permutations(STAGES).flatmap(lambda order: st.integers(2, 4).map(lambda k: list(order[:k])))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=looping, steps=step_orders, window_days=st.sampled_from([None, 1, 3]))
def test_ordered_funnel_per_customer_matches_pandas(rows, steps, window_days, tmp_path_factory):
    """Each customer's steps reached and, for those who reached every step, the time they did: the summary-based
    shortcut (first and last time per stage) must agree with following every touchpoint."""
    events = load(rows + [(9, stage, 0) for stage in STAGES], tmp_path_factory)  # every stage present
    window = None if window_days is None else pd.Timedelta(days=window_days).to_pytimedelta()
    ours = funnel_customers(events, steps, window=window).execute().sort_values("customer_key").reset_index(drop=True)
    frame = events.to_pandas().assign(ts=lambda f: f["ts"].dt.tz_localize(None))
    theirs = naive.ordered_progress(frame, steps, None if window is None else window.total_seconds())
    theirs = theirs.sort_values("customer_key").reset_index(drop=True)
    assert ours["customer_key"].tolist() == theirs["customer_key"].tolist()
    assert ours["reached"].tolist() == theirs["reached"].tolist()
    assert pd.to_datetime(ours["t_last"]).tolist() == pd.to_datetime(theirs["t_last"]).tolist()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=journeys)
def test_flow_out_never_exceeds_in_and_matches_pandas(rows, tmp_path_factory):
    events = load(rows, tmp_path_factory)
    links = flow(events, max_steps=4)
    into = links.groupby(["step", "target"])["customers"].sum()
    out = links.groupby(["step", "source"])["customers"].sum()
    for (step, node), n in out.items():
        if step > 1:
            assert n <= into.get((step - 1, node), 0)
    expected = naive.flow_links(events.to_pandas(), max_steps=4)
    assert links.sort_values(["step", "source", "target"]).reset_index(drop=True).equals(
        expected.sort_values(["step", "source", "target"]).reset_index(drop=True).astype(links.dtypes.to_dict()))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=journeys)
def test_durations_match_pandas(rows, tmp_path_factory):
    events = load(rows, tmp_path_factory)
    if len(events.stage_order) < 2:
        return
    ours = stage_durations(events)
    theirs = naive.durations(events.to_pandas(), events.stage_order)
    merged = ours.merge(theirs, on=["from_stage", "to_stage"], suffixes=("", "_pd"))
    assert (merged["customers"] == merged["customers_pd"]).all()
    assert (merged["out_of_order"] == merged["out_of_order_pd"]).all()
    for q in ("p25", "median", "p75", "p90"):
        both = merged[[q, f"{q}_pd"]].dropna()
        assert ((both[q] - both[f"{q}_pd"]).abs() < 1e-6).all()
