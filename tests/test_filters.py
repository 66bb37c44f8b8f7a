"""The filter state in the URL and in words."""
from datetime import date

from dashboard.filters import FilterState

KNOWN = {"channel": ["web", "email"], "stage": ["awareness", "conversion"], "touchpoint": [], "region": ["EU", "US"]}


def test_round_trip_with_defaults_left_out():
    state = FilterState(dataset="abcdefghijklmnopqrstuv", date_from=date(2025, 1, 1), date_to=date(2025, 3, 31), tz="Asia/Seoul",
                        channels=("web", "email"), stages=("conversion",)).with_segments({"region": ["EU"]})
    params = state.to_query_params()
    assert list(params) == ["ds", "from", "to", "tz", "channel", "stage", "seg.region"]
    assert params == {"ds": "abcdefghijklmnopqrstuv", "from": "2025-01-01", "to": "2025-03-31", "tz": "Asia/Seoul",
                      "channel": ["web", "email"], "stage": ["conversion"], "seg.region": ["EU"]}
    again, problems = FilterState.from_query_params(params, known=KNOWN, segment_columns=["region"])
    assert again == state and problems == []
    assert FilterState().to_query_params() == {}


def test_bad_values_fall_back_with_problems_listed():
    params = {"from": ["2025-13-01"], "tz": ["Mars/Olympus"], "channel": ["web", "fax"], "seg.colour": ["red"]}
    state, problems = FilterState.from_query_params(params, known=KNOWN, segment_columns=["region"])
    assert state == FilterState(channels=("web",))
    assert problems == ["'from=2025-13-01' is not a date like 2025-03-31", "'Mars/Olympus' is not a known time zone",
                        "channel value 'fax' not in this dataset", "'colour' is not an attribute of this dataset"]


def test_reversed_dates_are_dropped():
    state, problems = FilterState.from_query_params({"from": "2025-02-01", "to": "2025-01-01"})
    assert state.date_from is None and problems == ["the start date is after the end date"]


def test_describe():
    assert FilterState().describe() == "All customers, all dates"
    state = FilterState(date_from=date(2025, 1, 1), channels=("web",), stages=("conversion", "retention")).with_segments({"region": ["EU", "US"]})
    assert state.describe() == "Dates 2025-01-01 to the end (UTC) · region: EU, US · channel: web · reached stage: conversion or retention"
