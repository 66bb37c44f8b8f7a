"""Recognise and parse timestamp columns into UTC, remembering any original offset.

Supported: ISO 8601 with or without offset, ``YYYY-MM-DD HH:MM[:SS]``, date only,
epoch seconds or milliseconds, and day-first or month-first dates (``31/12/2024``).
When every sampled date could be read either way, the format is *ambiguous*:
day-first is assumed and the user is told so and can switch.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

EARLIEST = pd.Timestamp("1970-01-01", tz="UTC")
LATEST_AHEAD = pd.Timedelta(days=366)
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_OFFSET_CAPTURE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})")
_TIME_PARTS = ["", " %H:%M", " %H:%M:%S"]

KINDS = {
    "iso": "ISO 8601 (2025-03-01 09:30 or 2025-03-01T09:30:00+09:00)",
    "dayfirst": "day first (31/12/2025)",
    "monthfirst": "month first (12/31/2025)",
    "epoch_s": "seconds since 1970 (Unix time)",
    "epoch_ms": "milliseconds since 1970",
    "native": "stored as a date-time in the file",
}


@dataclass(frozen=True)
class TimestampFormat:
    """How a timestamp column is read. ``ambiguous``: both day- and month-first fit the sample."""

    kind: str
    ambiguous: bool = False
    has_offset: bool = False

    def describe(self) -> str:
        text = KINDS.get(self.kind, self.kind)
        if self.ambiguous:
            text += " — the dates could also be read month-first; check under Column mapping"
        return text


def detect_format(values: pd.Series) -> TimestampFormat:
    """Guess the format from a sample of a column's values (typed or text)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return TimestampFormat("native")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return TimestampFormat(_epoch_kind(pd.to_numeric(values, errors="coerce").dropna()))
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""].head(2000)
    if text.empty:
        return TimestampFormat("iso")
    numeric = text.str.match(_NUMERIC)
    if numeric.mean() > 0.9:
        return TimestampFormat(_epoch_kind(pd.to_numeric(text[numeric], errors="coerce").dropna()))
    if text.str.match(_ISO).mean() > 0.5:
        return TimestampFormat("iso", has_offset=bool(text.str.contains(_OFFSET).any()))
    parts = text.str.extract(_DMY).dropna().astype(int)
    if len(parts):
        first_big, second_big = (parts[0] > 12).any(), (parts[1] > 12).any()
        if second_big and not first_big:
            return TimestampFormat("monthfirst")
        return TimestampFormat("dayfirst", ambiguous=not first_big)
    return TimestampFormat("iso", has_offset=bool(text.str.contains(_OFFSET).any()))


def _epoch_kind(numbers: pd.Series) -> str:
    if numbers.empty:
        return "epoch_s"
    return "epoch_ms" if numbers.abs().median() > 1e11 else "epoch_s"


def parse_timestamps(values: pd.Series, fmt: TimestampFormat) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse ``values`` → (UTC timestamps, original offset in minutes or NA, reason for bad rows or NA).

    Values that fail the main format get one more, per-value try; what still fails,
    or falls before 1970 or more than a year in the future, gets a reason.
    """
    index = values.index
    if fmt.kind == "native":
        ts = pd.to_datetime(values, utc=True)
    elif fmt.kind in ("epoch_s", "epoch_ms"):
        numbers = pd.to_numeric(values, errors="coerce")
        unit = "ms" if fmt.kind == "epoch_ms" else "s"
        in_range = numbers.abs() < (4e12 if unit == "s" else 4e15)
        ts = pd.to_datetime(numbers.where(in_range), unit=unit, utc=True, errors="coerce")
    else:
        text = values.astype("string").str.strip()
        ts = _parse_text(text, fmt)
    ts = ts.dt.as_unit("us")
    offset = _offsets(values, fmt)
    reason = pd.Series(pd.NA, index=index, dtype="string")
    missing = values.isna()
    if not (pd.api.types.is_datetime64_any_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype)):
        missing = missing | (values.astype("string").str.strip() == "").fillna(False)
    reason[ts.isna() & ~missing] = "unreadable timestamp"
    reason[missing] = "missing timestamp"
    latest = pd.Timestamp.now(tz="UTC") + LATEST_AHEAD
    out_of_range = ts.notna() & ((ts < EARLIEST) | (ts > latest))
    reason[out_of_range] = "timestamp before 1970 or more than a year in the future"
    ts = ts.where(reason.isna())
    return ts, offset, reason


def _parse_text(text: pd.Series, fmt: TimestampFormat) -> pd.Series:
    if fmt.kind == "iso":
        ts = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    else:
        ts = pd.to_datetime(text, format=_best_format(text, fmt.kind == "dayfirst"), utc=True, errors="coerce")
    retry = ts.isna() & text.notna() & (text != "")
    if retry.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            again = pd.Series(pd.NaT, index=text.index[retry], dtype="datetime64[us, UTC]")
            for i, value in text[retry].items():
                try:
                    again[i] = pd.to_datetime(value, dayfirst=fmt.kind == "dayfirst", utc=True)
                except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
                    continue
            ts = ts.astype("datetime64[us, UTC]")
            ts[retry] = again
    return ts


def _best_format(text: pd.Series, dayfirst: bool) -> str:
    sample = text.dropna().head(500)
    date_order = ["%d", "%m"] if dayfirst else ["%m", "%d"]
    best, best_share = None, -1.0
    for sep in "/.-":
        for year in ("%Y", "%y"):
            for time in _TIME_PARTS:
                candidate = f"{date_order[0]}{sep}{date_order[1]}{sep}{year}{time}"
                share = pd.to_datetime(sample, format=candidate, errors="coerce").notna().mean()
                if share > best_share:
                    best, best_share = candidate, share
    return best


def _offsets(values: pd.Series, fmt: TimestampFormat) -> pd.Series:
    if not fmt.has_offset:
        return pd.Series(pd.NA, index=values.index, dtype="Int16")
    found = values.astype("string").str.strip().str.extract(_OFFSET_CAPTURE)[0]
    minutes = pd.Series(pd.NA, index=values.index, dtype="Int16")
    zulu = found == "Z"
    minutes[zulu.fillna(False)] = 0
    signed = found.where(~zulu.fillna(False)).dropna().str.replace(":", "", regex=False)
    if len(signed):
        sign = np.where(signed.str[0] == "-", -1, 1)
        minutes[signed.index] = sign * (signed.str[1:3].astype(int) * 60 + signed.str[3:5].astype(int))
    return minutes
