"""Column roles: which column is the customer id, the timestamp, the stage, ….

``propose_mapping`` recognises the usual names in any case and spacing, then falls
back to the values (a column that reads as dates, a column with many distinct ids).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from .errors import MappingError

ROLES = ("customer_id", "timestamp", "stage", "channel", "touchpoint", "revenue")
ROLE_LABELS = {
    "customer_id": "Customer id",
    "timestamp": "Timestamp",
    "stage": "Journey stage",
    "channel": "Channel",
    "touchpoint": "Touchpoint / event",
    "revenue": "Value / revenue",
}
NAMES = {
    "customer_id": ["customerid", "userid", "user", "customer", "visitorid", "visitor", "clientid", "client",
                    "personid", "person", "contactid", "accountid", "memberid", "custid", "cid", "uid", "id"],
    "timestamp": ["eventtime", "timestamp", "ts", "eventtimestamp", "eventts", "occurredat", "datetime", "time",
                  "eventdate", "createdat", "date", "eventdatetime", "interactiontime"],
    "stage": ["journeystage", "lifecyclestage", "stage", "phase", "funnelstage", "lifecycle", "customerstage"],
    "channel": ["channel", "source", "medium", "sourcemedium", "utmsource", "utmmedium", "marketingchannel"],
    "touchpoint": ["touchpoint", "event", "eventname", "action", "page", "interaction", "activity", "eventtype",
                   "pagename", "touchpointname"],
    "revenue": ["revenue", "value", "amount", "ordervalue", "sales", "price", "spend", "ordertotal"],
}
MAX_SEGMENT_VALUES = 50
MAX_SEGMENTS = 50  # segment attributes per dataset (each becomes a filter in the sidebar)
PROPOSED_SEGMENTS = 12  # proposed automatically; more can be chosen under Column mapping


def normalise_name(name: str) -> str:
    """'Customer ID' → 'customerid': lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


@dataclass
class Mapping:
    """Which source column plays each role. ``segments`` are the attribute columns to filter by."""

    customer_id: str | None = None
    timestamp: str | None = None
    stage: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    revenue: str | None = None
    segments: list[str] = field(default_factory=list)
    timestamp_format: str | None = None  # None: detect; else a key of timestamps.KINDS
    stage_from_touchpoint: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Mapping":
        data = dict(data or {})
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def used_columns(self) -> list[str]:
        roles = [getattr(self, r) for r in ROLES if getattr(self, r)]
        return roles + [s for s in self.segments if s not in roles]

    def check(self, columns: list[str]) -> None:
        """Raise MappingError unless the required roles point at existing columns."""
        missing = [ROLE_LABELS[r] for r in ("customer_id", "timestamp") if not getattr(self, r)]
        if missing:
            raise MappingError(
                f"No column could be used as the {' or the '.join(m.lower() for m in missing)}. "
                f"The file's columns are: {', '.join(columns[:30])}{'…' if len(columns) > 30 else ''}.",
                hint=_separator_hint(columns) or "Choose them under Column mapping, or add such a column to the export.",
            )
        if len(self.segments) > MAX_SEGMENTS:
            raise MappingError(
                f"{len(self.segments):,} columns were chosen as segment attributes; at most {MAX_SEGMENTS} can be used.",
                hint="Keep the attributes you filter or break down by (region, campaign, plan…) and leave the others out.",
            )
        unknown = [c for c in self.used_columns() if c not in columns]
        if unknown:
            raise MappingError(
                f"The mapping names columns the file does not have: {', '.join(unknown)}.",
                hint="Pick the columns again under Column mapping.",
            )


def _separator_hint(columns: list[str]) -> str | None:
    """When column names still hold separators, the file mixes them or uses an unusual one."""
    for separator, name in ((";", "semicolons"), (",", "commas"), ("\t", "tabs"), ("|", "pipes"), (":", "colons")):
        if any(separator in c for c in columns):
            return (f"Some column names contain {name}, so the file seems to mix separators or use an unusual one: "
                    "save it again with one separator (comma) throughout, or choose the columns under Column mapping.")
    return None


def propose_mapping(sample: pd.DataFrame) -> Mapping:
    """Propose roles for the columns of ``sample`` (the first rows of a file)."""
    columns = list(sample.columns)
    taken: set[str] = set()
    mapping = Mapping()
    for role in ROLES:
        column = _by_name(columns, NAMES[role], taken)
        if column:
            setattr(mapping, role, column)
            taken.add(column)
    if not mapping.timestamp:
        mapping.timestamp = _by_values_timestamp(sample, taken)
        if mapping.timestamp:
            taken.add(mapping.timestamp)
    if not mapping.customer_id:
        mapping.customer_id = _by_values_identifier(sample, taken)
        if mapping.customer_id:
            taken.add(mapping.customer_id)
    if mapping.revenue and not _mostly_numbers(sample[mapping.revenue]):
        taken.discard(mapping.revenue)
        mapping.revenue = None
    mapping.segments = [c for c in columns if c not in taken and _is_segment(sample[c])][:PROPOSED_SEGMENTS]
    return mapping


def _by_name(columns: list[str], names: list[str], taken: set[str]) -> str | None:
    normalised = {c: normalise_name(c) for c in columns if c not in taken}
    for wanted in names:
        for column, norm in normalised.items():
            if norm == wanted:
                return column
    for wanted in names:
        if len(wanted) < 5:
            continue
        for column, norm in normalised.items():
            if norm.startswith(wanted) or norm.endswith(wanted):
                return column
    return None


def _by_values_timestamp(sample: pd.DataFrame, taken: set[str]) -> str | None:
    from .timestamps import detect_format, parse_timestamps

    for column in sample.columns:
        if column in taken:
            continue
        values = sample[column].dropna()
        if values.empty or pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        ts, _, reason = parse_timestamps(values, detect_format(values))
        if reason.isna().mean() > 0.9:
            return column
    return None


def _by_values_identifier(sample: pd.DataFrame, taken: set[str]) -> str | None:
    best, best_ratio = None, 0.0
    for column in sample.columns:
        if column in taken:
            continue
        values = sample[column].dropna().astype(str)
        if values.empty or values.str.len().median() > 40:
            continue
        ratio = values.nunique() / len(values)
        if 0.02 < ratio < 1.0 and ratio > best_ratio:
            best, best_ratio = column, ratio
    return best


def _mostly_numbers(values: pd.Series) -> bool:
    from .numbers import parse_numbers

    present = values.dropna()
    return present.empty or parse_numbers(present).notna().mean() >= 0.5


def _is_segment(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty or pd.api.types.is_float_dtype(present.dtype) or pd.api.types.is_datetime64_any_dtype(present.dtype):
        return False
    distinct = present.astype(str).nunique()
    return 1 <= distinct <= MAX_SEGMENT_VALUES and distinct <= max(2, len(present) // 2)
