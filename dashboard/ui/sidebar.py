"""The global filters in the sidebar: dataset, date range, segments, channel, stage, touchpoint."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from ..dataset import EventDataset
from ..filters import FilterState
from .errors import plain
from .state import set_filters, store, switch_dataset

TIMEZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles",
             "America/Sao_Paulo", "Asia/Seoul", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney"]


def _seed(key: str, value) -> None:
    """Give a widget its value from the filter state the first time it is drawn."""
    if key not in st.session_state:
        st.session_state[key] = value


def dataset_picker(state: FilterState, dataset: EventDataset) -> None:
    entries = [m for m in store().list() if not m.get("broken")]
    ids = [m["id"] for m in entries]
    if dataset.id not in ids:
        ids.insert(0, dataset.id)
    names = {m["id"]: m.get("name", m["id"]) for m in entries} | {dataset.id: dataset.name}
    choice = st.sidebar.selectbox("Dataset", ids, index=ids.index(dataset.id), format_func=lambda i: names.get(i, i),
                                  key=f"dataset_picker_{dataset.id}")
    if choice != dataset.id:
        switch_dataset(choice)
        st.rerun()


def sidebar_filters(state: FilterState, dataset: EventDataset) -> FilterState:
    """Draw the filter widgets and return the state they describe (also saved in the session)."""
    side = st.sidebar
    dataset_picker(state, dataset)
    side.markdown("**Filters**")
    first, last = _data_span(dataset)
    start = state.date_from or min(first, state.date_to or first)  # a link with only one end past the data
    _seed("f_dates", (start, state.date_to or max(last, start)))   # still gives a range in the right order
    dates = side.date_input("Date range (both days included)", min_value=date(1970, 1, 1), key="f_dates",
                            help="Keeps touchpoints on these days, in the chosen time zone.")
    date_from, date_to = (dates if isinstance(dates, (tuple, list)) and len(dates) == 2 else (state.date_from, state.date_to))
    if date_from == first and date_to == last:
        date_from = date_to = None
    _seed("f_tz", state.tz)
    zones = TIMEZONES if state.tz in TIMEZONES else [state.tz] + TIMEZONES
    tz = side.selectbox("Time zone for days", zones, key="f_tz")
    segments = {}
    for column, label in dataset.segments.items():
        _seed(f"f_seg_{column}", list(state.segment_map.get(column, ())))
        chosen = side.multiselect(plain(label[:1].upper() + label[1:]), dataset.values(column), key=f"f_seg_{column}", placeholder="All")
        if chosen:
            segments[column] = chosen
    _seed("f_channel", list(state.channels))
    channels = side.multiselect("Channel", dataset.values("channel"), key="f_channel", placeholder="All")
    stages = []
    if dataset.has_stages:
        _seed("f_stage", list(state.stages))
        stages = side.multiselect("Customers who reached stage", dataset.stage_order, key="f_stage", placeholder="Any",
                                  help="Keeps the customers who reached any of these stages, with all their touchpoints.")
    touchpoints = []
    if dataset.values("touchpoint"):
        _seed("f_touchpoint", list(state.touchpoints))
        touchpoints = side.multiselect("Touchpoint", dataset.values("touchpoint"), key="f_touchpoint", placeholder="All")
    new = FilterState(dataset=dataset.id, date_from=date_from, date_to=date_to, tz=tz, channels=tuple(channels),
                      stages=tuple(stages), touchpoints=tuple(touchpoints)).with_segments(segments)
    set_filters(new)
    if not new.is_default_view():
        side.button("Reset filters", on_click=switch_dataset, args=(dataset.id,), key="reset_filters", width="stretch")
    return new


def _data_span(dataset: EventDataset) -> tuple[date, date]:
    quality = dataset.quality
    first = pd.Timestamp(quality.get("first_ts", "2025-01-01")).date()
    last = pd.Timestamp(quality.get("last_ts", "2025-12-31")).date()
    return first, last
