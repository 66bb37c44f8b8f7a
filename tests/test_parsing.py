"""Timestamps, numbers, column roles and stage order, each on tiny hand-made inputs."""
import pandas as pd
import pytest

from dashboard.mapping import Mapping, propose_mapping
from dashboard.errors import MappingError
from dashboard.numbers import parse_number_text, parse_numbers
from dashboard.stages import normalise_stage, propose_stage_order
from dashboard.timestamps import TimestampFormat, detect_format, parse_timestamps


def parse(values):
    series = pd.Series(values, dtype="string")
    fmt = detect_format(series)
    ts, offset, reason = parse_timestamps(series, fmt)
    return fmt, ts, offset, reason


def test_iso_with_offsets_is_stored_in_utc_and_offset_remembered():
    fmt, ts, offset, reason = parse(["2025-03-01T09:30:00+09:00", "2025-03-01 09:30", "2025-03-02", "2025-03-01T00:00:00Z"])
    assert fmt.kind == "iso" and fmt.has_offset
    assert [str(t) for t in ts] == ["2025-03-01 00:30:00+00:00", "2025-03-01 09:30:00+00:00", "2025-03-02 00:00:00+00:00", "2025-03-01 00:00:00+00:00"]
    assert offset.tolist() == [540, pd.NA, pd.NA, 0]
    assert reason.isna().all()


def test_day_first_detected_from_a_day_above_12():
    fmt, ts, _, _ = parse(["31/12/2024 10:00", "01/02/2025 11:00"])
    assert fmt == TimestampFormat("dayfirst")
    assert [t.date().isoformat() for t in ts] == ["2024-12-31", "2025-02-01"]


def test_month_first_detected_from_a_second_part_above_12():
    fmt, ts, _, _ = parse(["12/31/2024", "1/2/2025"])
    assert fmt.kind == "monthfirst"
    assert [t.date().isoformat() for t in ts] == ["2024-12-31", "2025-01-02"]


def test_ambiguous_dates_are_flagged_and_read_day_first():
    fmt, ts, _, _ = parse(["01/02/2025", "03/04/2025"])
    assert fmt.ambiguous and fmt.kind == "dayfirst"
    assert "could also be read month-first" in fmt.describe()
    assert [t.date().isoformat() for t in ts] == ["2025-02-01", "2025-04-03"]


@pytest.mark.parametrize("values,kind", [(["1735689600", "1735776000"], "epoch_s"), (["1735689600000"], "epoch_ms")])
def test_epoch_seconds_and_milliseconds(values, kind):
    fmt, ts, _, _ = parse(values)
    assert fmt.kind == kind and ts.iloc[0] == pd.Timestamp("2025-01-01", tz="UTC")


def test_bad_missing_and_out_of_range_timestamps_get_reasons():
    _, ts, _, reason = parse(["2025-01-01", "not a date", None, "1969-12-31", "2999-01-01", "  "])
    assert reason.tolist() == [pd.NA, "unreadable timestamp", "missing timestamp",
                               "timestamp before 1970 or more than a year in the future",
                               "timestamp before 1970 or more than a year in the future", "missing timestamp"]
    assert ts.notna().tolist() == [True, False, False, False, False, False]


def test_mixed_formats_fall_back_per_value():
    _, ts, _, reason = parse(["2025-01-05 10:00", "2025-01-06", "January 7, 2025"])
    assert [t.date().isoformat() for t in ts] == ["2025-01-05", "2025-01-06", "2025-01-07"]


@pytest.mark.parametrize("text,value", [("1,234.50", 1234.5), ("1.234,50", 1234.5), ("12,5", 12.5), ("1,234", 1234.0),
                                        ("€ 99", 99.0), ("1.234.567", 1234567.0), ("-3.5", -3.5), ("abc", None), ("", None)])
def test_numbers_with_separators(text, value):
    assert parse_number_text(text) == value


def test_parse_numbers_column():
    assert parse_numbers(pd.Series(["1,000", None, "x"], dtype="string")).tolist() == [1000.0, pd.NA, pd.NA]


@pytest.mark.parametrize("names,expected", [
    (["User_ID", "Event Time", "Lifecycle Stage", "Source", "Action"], ["User_ID", "Event Time", "Lifecycle Stage", "Source", "Action"]),
    (["Customer ID", "timestamp", "journey_stage", "channel", "touchpoint"], ["Customer ID", "timestamp", "journey_stage", "channel", "touchpoint"]),
    (["visitor", "occurred_at", "phase", "medium", "page"], ["visitor", "occurred_at", "phase", "medium", "page"]),
    (["client_id", "ts", "stage", "utm_source", "event"], ["client_id", "ts", "stage", "utm_source", "event"]),
    (["person_id", "date", "PHASE", "Channel", "event_name"], ["person_id", "date", "PHASE", "Channel", "event_name"]),
])
def test_common_column_names_are_recognised(names, expected):
    sample = pd.DataFrame({n: ["a", "b"] for n in names})
    m = propose_mapping(sample)
    assert [m.customer_id, m.timestamp, m.stage, m.channel, m.touchpoint] == expected


def test_segments_are_low_cardinality_text_and_revenue_must_be_numeric():
    sample = pd.DataFrame({
        "user_id": [f"u{i}" for i in range(20)], "event_time": ["2025-01-01"] * 20,
        "region": ["EU", "US"] * 10, "note": [f"free text {i}" for i in range(20)], "amount": ["1,200.50"] * 20,
    })
    m = propose_mapping(sample)
    assert m.segments == ["region"] and m.revenue == "amount"


def test_roles_found_from_values_when_names_are_unknown():
    sample = pd.DataFrame({"col_a": [f"id{i % 7}" for i in range(30)], "col_b": ["2025-01-0%d" % (i % 9 + 1) for i in range(30)]})
    m = propose_mapping(sample)
    assert (m.customer_id, m.timestamp) == ("col_a", "col_b")


def test_mapping_check_names_the_missing_role():
    with pytest.raises(MappingError, match="No column could be used as the timestamp. The file's columns are: user_id, colour."):
        Mapping(customer_id="user_id").check(["user_id", "colour"])


def test_stage_labels_are_normalised():
    assert [normalise_stage(s) for s in ["  Consideration ", "AWARENESS", "post  purchase", "", None]] == [
        "consideration", "awareness", "post purchase", None, None]


@pytest.mark.parametrize("labels,expected", [
    (["retention", "awareness", "advocacy", "conversion", "consideration"], ["awareness", "consideration", "conversion", "retention", "advocacy"]),
    (["buy", "consider", "bond", "evaluate"], ["consider", "evaluate", "buy", "bond"]),
    (["action", "interest", "awareness", "desire"], ["awareness", "interest", "desire", "action"]),
])
def test_known_vocabularies(labels, expected):
    assert propose_stage_order(labels) == expected


def test_unknown_vocabulary_ordered_by_median_first_position():
    assert propose_stage_order(["trial", "signup", "paid"], {"signup": 1.0, "trial": 2.0, "paid": 3.0}) == ["signup", "trial", "paid"]
