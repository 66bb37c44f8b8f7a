"""The global filter state: one object, to and from the URL, and in words.

URL keys (defaults left out, stable order): ``ds`` dataset id, ``from`` / ``to``
(YYYY-MM-DD, both days included), ``tz`` (IANA time zone, default UTC), ``channel``,
``stage``, ``touchpoint`` and ``seg.<attribute>`` (repeat a key for several values).
"""
from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field, replace
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SAMPLE_ID = "sample"
SEGMENT_PREFIX = "seg."
LIST_KEYS = {"channel": "channels", "stage": "stages", "touchpoint": "touchpoints"}


@dataclass(frozen=True)
class FilterState:
    """Which events and customers every page looks at. Empty selections mean 'all'."""

    dataset: str = SAMPLE_ID
    date_from: date | None = None
    date_to: date | None = None
    tz: str = "UTC"
    channels: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    segments: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    @property
    def segment_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.segments)

    def with_segments(self, segments: MappingABC[str, list[str] | tuple[str, ...]]) -> "FilterState":
        cleaned = tuple(sorted((k, tuple(v)) for k, v in segments.items() if v))
        return replace(self, segments=cleaned)

    def is_default_view(self) -> bool:
        return self == FilterState(dataset=self.dataset)

    def to_query_params(self) -> dict[str, str | list[str]]:
        """Readable URL parameters with defaults left out, in a stable order."""
        params: dict[str, str | list[str]] = {}
        if self.dataset != SAMPLE_ID:
            params["ds"] = self.dataset
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        if self.tz != "UTC":
            params["tz"] = self.tz
        for key, attr in LIST_KEYS.items():
            if getattr(self, attr):
                params[key] = list(getattr(self, attr))
        for name, values in self.segments:
            params[SEGMENT_PREFIX + name] = list(values)
        return params

    @classmethod
    def from_query_params(cls, params: MappingABC[str, object], *, known: MappingABC[str, list[str]] | None = None,
                          segment_columns: list[str] | None = None) -> tuple["FilterState", list[str]]:
        """Parse URL parameters; bad values fall back to defaults and are listed as problems.

        ``known`` maps 'channel', 'stage', 'touchpoint' and segment columns to their valid values;
        when given, unknown values are dropped with a problem noted.
        """
        problems: list[str] = []
        state = cls(dataset=_first(params.get("ds")) or SAMPLE_ID)
        changes: dict[str, object] = {}
        for key, attr in (("from", "date_from"), ("to", "date_to")):
            raw = _first(params.get(key))
            if raw:
                try:
                    changes[attr] = date.fromisoformat(raw)
                except ValueError:
                    problems.append(f"'{key}={raw}' is not a date like 2025-03-31")
        raw_tz = _first(params.get("tz"))
        if raw_tz:
            if valid_timezone(raw_tz):
                changes["tz"] = raw_tz
            else:
                problems.append(f"'{raw_tz}' is not a known time zone")
        if changes.get("date_from") and changes.get("date_to") and changes["date_from"] > changes["date_to"]:
            problems.append("the start date is after the end date")
            changes.pop("date_from"), changes.pop("date_to")
        for key, attr in LIST_KEYS.items():
            values = _checked(key, _all(params.get(key)), known, problems)
            if values:
                changes[attr] = tuple(values)
        segments = {}
        for key in sorted(k for k in params if k.startswith(SEGMENT_PREFIX)):
            name = key[len(SEGMENT_PREFIX):]
            if segment_columns is not None and name not in segment_columns:
                problems.append(f"'{name}' is not an attribute of this dataset")
                continue
            values = _checked(name, _all(params.get(key)), known, problems)
            if values:
                segments[name] = values
        state = replace(state, **changes).with_segments(segments)
        return state, problems

    def describe(self, stage_label: str = "reached stage") -> str:
        """The filters in words, e.g. 'Dates 2025-01-01 to 2025-03-31 (UTC) · region: Europe'."""
        parts = []
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "the start"
            end = self.date_to.isoformat() if self.date_to else "the end"
            parts.append(f"Dates {start} to {end} ({self.tz})")
        else:
            parts.append("All dates")
        for name, values in self.segments:
            parts.append(f"{name}: {', '.join(values)}")
        if self.channels:
            parts.append(f"channel: {', '.join(self.channels)}")
        if self.touchpoints:
            parts.append(f"touchpoint: {', '.join(self.touchpoints)}")
        if self.stages:
            parts.append(f"{stage_label}: {' or '.join(self.stages)}")
        if len(parts) == 1 and not (self.date_from or self.date_to):
            return "All customers, all dates"
        return " · ".join(parts)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def _all(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v) != ""]
    return [str(value)] if str(value) != "" else []


def _first(value: object) -> str | None:
    values = _all(value)
    return values[0] if values else None


def _checked(key: str, values: list[str], known: MappingABC[str, list[str]] | None, problems: list[str]) -> list[str]:
    if known is None or key not in known:
        return values
    allowed = set(known[key])
    bad = [v for v in values if v not in allowed]
    if bad:
        problems.append(f"{key} value{'s' if len(bad) > 1 else ''} {', '.join(repr(b) for b in bad[:5])} not in this dataset")
    return [v for v in values if v in allowed]
