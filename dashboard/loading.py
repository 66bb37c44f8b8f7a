"""Turn a source file plus a mapping into the canonical events table on disk.

Canonical columns: ``row_id`` (1-based row in the file), ``customer_id`` (text),
``customer_key`` (dense integer code), ``ts`` (UTC, stored without a zone), ``ts_offset`` (original offset
in minutes, or null), ``stage``, ``channel``, ``touchpoint``, ``revenue`` and one
text column per segment attribute. Rows that cannot be used are written, with a
reason, to a set-aside file: nothing is silently dropped.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .codes import CODED, CODES, add_codes
from .engine import connection
from .errors import FileReadError, NoValidRowsError
from .mapping import Mapping
from .numbers import count, currency_signs, parse_numbers
from .reading import OpenedFile
from .settings import get_settings
from .stages import normalise_stage, propose_stage_order
from .timestamps import TimestampFormat, detect_format, parse_timestamps

CORE_COLUMNS = ["row_id", "customer_id", "customer_key", "ts", "ts_offset", "stage", "channel", "touchpoint", "revenue"]
ORDER_COLUMNS = ["stage_rank", "seq"]
Progress = Callable[[float, str], None]
MAX_FILTER_VALUES = 500
ROW_GROUP_ROWS = 122_880  # rows per group of the stored events: at 10M, the per-customer summary took about 10% less
# time than with groups of 1M (DuckDB's own default size; measured in bench/results_pages_10m.md, run 8)


@dataclass
class LoadResult:
    """What a load produced: the pieces of the manifest that describe the data."""

    segments: list[dict]
    stage_order: list[str]
    quality: dict
    values: dict[str, list]
    timestamp_format: dict = field(default_factory=dict)


def segment_slug(label: str, taken: set[str]) -> str:
    """A safe column name for a segment attribute ('Acquisition Campaign' → 'acquisition_campaign')."""
    slug = re.sub(r"[^0-9a-z]+", "_", label.lower()).strip("_") or "segment"
    if slug[0].isdigit():
        slug = "s_" + slug
    base, n = slug, 1
    while slug in taken or slug in CORE_COLUMNS or slug in ORDER_COLUMNS or slug in CODED.values():
        n += 1
        slug = f"{base}_{n}"
    taken.add(slug)
    return slug


def load_events(opened: OpenedFile, mapping: Mapping, out_dir: Path, *,
                stage_order: list[str] | None = None, progress: Progress | None = None) -> LoadResult:
    """Read ``opened`` with ``mapping`` into ``out_dir`` (events.parquet, set_aside.parquet)."""
    mapping.check(opened.columns)
    report = progress or (lambda fraction, text: None)
    taken: set[str] = set()
    segments = [{"column": segment_slug(s, taken), "label": s} for s in mapping.segments]
    staging = out_dir / "staging.parquet"
    writer = _Writers(staging, out_dir / "set_aside.parquet", opened.columns)
    fmt, reasons, warnings, signs, rows_read = None, Counter(), Counter(), Counter(), 0
    max_rows = get_settings().max_rows
    report(0.02, "Reading the file…")
    try:
        for batch in opened.batches():
            if fmt is None:
                fmt = _format_for(batch[mapping.timestamp], mapping.timestamp_format)
            kept, rejected, batch_warnings = _canonical_batch(batch, mapping, segments, fmt, rows_read)
            rows_read += len(batch)
            if rows_read > max_rows:
                raise FileReadError(
                    f"The file has more than {max_rows:,} rows, the most this server accepts per dataset.",
                    hint="Filter the extract to a shorter period or fewer customers, or ask the administrator to raise JOURNEY_LENS_MAX_ROWS.",
                )
            writer.write(kept, rejected)
            reasons.update(rejected["_reason"].value_counts().to_dict())
            warnings.update(batch_warnings)
            if mapping.revenue:
                signs.update(currency_signs(batch[mapping.revenue]))
            report(0.05 + 0.65 * min(1.0, rows_read / max(opened.estimated_rows, rows_read, 1)), f"Read {rows_read:,} rows…")
        if opened.ragged_rows:
            writer.write_ragged(opened.ragged_rows)
            reasons["wrong number of fields in the row"] += len(opened.ragged_rows)
            rows_read += len(opened.ragged_rows)
    finally:
        writer.close()
    if rows_read == 0:
        raise FileReadError("The file has a header but no data rows.", hint="Export the data again, including the rows.")
    kept_rows = rows_read - sum(reasons.values())
    if kept_rows == 0:
        top = ", ".join(f"{n:,} × {r}" for r, n in reasons.most_common(3))
        raise NoValidRowsError(
            f"All {rows_read:,} rows had to be set aside ({top}), so nothing is left to analyse.",
            hint="Check the Customer id and Timestamp columns under Column mapping.",
        )
    if len(signs) > 1:
        warnings[f"value/revenue written in several currencies ({', '.join(signs)}), summed as plain numbers"] += sum(signs.values())
    report(0.75, "Indexing customers and checking duplicates…")
    result = _finish(staging, out_dir / "events.parquet", segments, stage_order)
    staging.unlink(missing_ok=True)
    result.quality.update(
        rows_read=rows_read, rows_kept=kept_rows, rows_set_aside=rows_read - kept_rows,
        set_aside_reasons=dict(reasons.most_common()), warnings=[f"{n:,} rows: {w}" for w, n in warnings.items()],
        timestamp_format=(fmt or TimestampFormat("iso")).describe(),
        timestamp_ambiguous=bool(fmt and fmt.ambiguous),
        revenue_currency=next(iter(signs)) if len(signs) == 1 else None,
    )
    result.timestamp_format = {"kind": fmt.kind if fmt else "iso", "ambiguous": bool(fmt and fmt.ambiguous)}
    report(1.0, "Done")
    return result


def _format_for(values: pd.Series, chosen: str | None) -> TimestampFormat:
    detected = detect_format(values)
    if chosen and chosen != detected.kind:
        return TimestampFormat(chosen, has_offset=detected.has_offset)
    return detected


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _canonical_batch(batch: pd.DataFrame, mapping: Mapping, segments: list[dict], fmt: TimestampFormat,
                     start: int) -> tuple[pd.DataFrame, pd.DataFrame, Counter]:
    out = pd.DataFrame(index=batch.index)
    out["row_id"] = pd.RangeIndex(start + 1, start + 1 + len(batch)).to_numpy(dtype="int64")
    out["customer_id"] = _text(batch[mapping.customer_id])
    ts, offset, reason = parse_timestamps(batch[mapping.timestamp], fmt)
    out["ts"], out["ts_offset"] = ts.dt.tz_convert(None), offset  # stored as naive UTC: faster date maths
    reason = reason.mask(out["customer_id"].isna(), "missing customer id")
    out["stage"] = _stage_column(batch, mapping)
    out["channel"] = _text(batch[mapping.channel]).str.lower() if mapping.channel else pd.Series(pd.NA, index=batch.index, dtype="string")
    out["touchpoint"] = _text(batch[mapping.touchpoint]) if mapping.touchpoint else pd.Series(pd.NA, index=batch.index, dtype="string")
    warnings = Counter()
    if mapping.revenue:
        revenue = parse_numbers(batch[mapping.revenue])
        unreadable = revenue.isna() & _text(batch[mapping.revenue].astype("string")).notna()
        if unreadable.any():
            warnings["value/revenue not a number, left blank"] += int(unreadable.sum())
        out["revenue"] = revenue.astype("float64")
    else:
        out["revenue"] = pd.Series(float("nan"), index=batch.index)
    for segment in segments:
        out[segment["column"]] = _text(batch[segment["label"]])
    bad = reason.notna()
    rejected = batch[bad].astype("string")
    rejected.insert(0, "_reason", reason[bad])
    rejected.insert(0, "_row", out["row_id"][bad])
    return out[~bad], rejected, warnings


def _stage_column(batch: pd.DataFrame, mapping: Mapping) -> pd.Series:
    if mapping.stage:
        raw = batch[mapping.stage].astype("string")
        distinct = raw.dropna().unique()
        return raw.map({v: normalise_stage(v) for v in distinct}).astype("string")
    if mapping.stage_from_touchpoint and mapping.touchpoint:
        rules = {k.strip(): normalise_stage(v) for k, v in mapping.stage_from_touchpoint.items() if normalise_stage(v)}
        return _text(batch[mapping.touchpoint]).map(rules).astype("string")
    return pd.Series(pd.NA, index=batch.index, dtype="string")


class _Writers:
    """Append kept rows and set-aside rows to two Parquet files."""

    def __init__(self, kept_path: Path, rejected_path: Path, columns: list[str]):
        self.kept_path, self.rejected_path = kept_path, rejected_path
        self.rejected_schema = pa.schema([("_row", pa.int64()), ("_reason", pa.string())] + [(c, pa.string()) for c in columns] + [("_raw_line", pa.string())])
        self.kept = self.rejected = None

    def write(self, kept: pd.DataFrame, rejected: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(kept, preserve_index=False)
        if self.kept is None:
            self.kept_schema = table.schema
            self.kept = pq.ParquetWriter(self.kept_path, table.schema)
        self.kept.write_table(table.cast(self.kept_schema))
        if len(rejected):
            rejected = rejected.assign(_raw_line=pd.Series(pd.NA, index=rejected.index, dtype="string"))
            self._rejected_writer().write_table(pa.Table.from_pandas(rejected, schema=self.rejected_schema, preserve_index=False))

    def write_ragged(self, lines: list[str]) -> None:
        frame = pd.DataFrame({"_row": pd.array([None] * len(lines), dtype="Int64"), "_reason": "wrong number of fields in the row", "_raw_line": lines})
        for name in self.rejected_schema.names:
            if name not in frame:
                frame[name] = pd.Series(pd.NA, index=frame.index, dtype="string")
        self._rejected_writer().write_table(pa.Table.from_pandas(frame[self.rejected_schema.names], schema=self.rejected_schema, preserve_index=False))

    def _rejected_writer(self) -> pq.ParquetWriter:
        if self.rejected is None:
            self.rejected = pq.ParquetWriter(self.rejected_path, self.rejected_schema)
        return self.rejected

    def close(self) -> None:
        for writer in (self.kept, self.rejected):
            if writer is not None:
                writer.close()


def _finish(staging: Path, events_path: Path, segments: list[dict], stage_order: list[str] | None) -> LoadResult:
    """Add customer keys, sort by customer and time, and gather the statistics of the report."""
    con = connection()
    raw = con.read_parquet(str(staging))
    keyed, dictionary = add_codes(raw.mutate(customer_key=raw.customer_id.dense_rank().cast("int32")))
    dictionary.to_parquet(events_path.with_name(CODES), index=False)
    columns = CORE_COLUMNS + list(CODED.values()) + [s["column"] for s in segments]
    # written unsorted: apply_stage_order below sorts once, by customer, time, stage rank and row
    con.to_parquet(keyed.select(*columns), str(events_path), compression="uncompressed", row_group_size=ROW_GROUP_ROWS)
    events = con.read_parquet(str(events_path))
    quality = _statistics(events)
    constant = constant_per_customer(events, [s["column"] for s in segments])
    segments = [{**s, "per_customer": constant[s["column"]]} for s in segments]
    values = {"channel": _distinct(events.channel), "touchpoint": _distinct(events.touchpoint)}
    for segment in segments:
        values[segment["column"]] = _distinct(events[segment["column"]])
    values["stage"] = _distinct(events.stage)
    order = _stage_order(events, values["stage"], stage_order)
    apply_stage_order(events_path, order, cluster=cluster_columns(segments, values))
    return LoadResult(segments=segments, stage_order=order, quality=quality, values=values)


def apply_stage_order(events_path: Path, order: list[str], *, cluster: list[str] = ()) -> None:
    """Write ``stage_rank`` (position in ``order``) and ``seq`` (global event order: customer, time,
    stage rank, row) into the events file, replacing it atomically. The rows are stored by the ``cluster``
    columns (see ``cluster_columns``), then by ``seq``: each customer's events stay together either way."""
    con = connection()
    table = con.read_parquet(str(events_path))
    table = table.drop(*[c for c in ORDER_COLUMNS if c in table.columns])
    if order:
        rank = table.stage.cases(*[(s, i) for i, s in enumerate(order)], else_=None).cast("int16")
    else:
        rank = ibis.null().cast("int16")
    ranked = table.mutate(stage_rank=rank)
    keys = [ranked.customer_key, ranked.ts, ranked.stage_rank, ranked.row_id]
    numbered = ranked.mutate(seq=ibis.row_number().over(order_by=keys).cast("int64"))
    ordered = numbered.order_by([*cluster, "seq"])
    tmp = events_path.with_name(f".{events_path.name}.{os.getpid()}.tmp")
    # uncompressed: every page scans this file, and plain pages scan about twice as fast as zstd ones
    # (text columns stay dictionary-encoded, so the file is only about twice the zstd size)
    con.to_parquet(ordered, str(tmp), compression="uncompressed", row_group_size=ROW_GROUP_ROWS)
    os.replace(tmp, events_path)


CLUSTER_MAX_COLUMNS = 3  # segment attributes the stored rows are grouped by…
CLUSTER_MAX_VALUES = 64  # …each with at most this many values


def cluster_columns(segments: list[dict], values: dict[str, list]) -> list[str]:
    """The segment attributes the stored rows are grouped by: those constant per customer with few values,
    the fewest first. A filter on one of them then reads only the row groups holding its values (each row
    group records its smallest and largest value), and each customer's events stay together (measured at
    10M touchpoints: region = Europe and one channel copied in 0.023 s instead of 0.067 s)."""
    few = [s["column"] for s in segments
           if s.get("per_customer") and 0 < len(values.get(s["column"], [])) <= CLUSTER_MAX_VALUES]
    return sorted(few, key=lambda c: len(values[c]))[:CLUSTER_MAX_COLUMNS]


def _statistics(events: ibis.Table) -> dict:
    per_customer = events.group_by("customer_key").aggregate(n=events.count())
    totals = events.aggregate(first=events.ts.min(), last=events.ts.max(), customers=events.customer_key.nunique(),
                              offsets=events.ts_offset.notnull().sum(), unstaged=events.stage.isnull().sum()).execute().iloc[0]
    spread = per_customer.aggregate(median=per_customer.n.median(), mean=per_customer.n.mean(), max=per_customer.n.max()).execute().iloc[0]
    keys = ["customer_key", "ts", "stage", "channel", "touchpoint"]
    dupes = events.group_by(keys).aggregate(n=events.count())
    duplicates = dupes.aggregate(extra=(dupes.n - 1).sum()).execute().iloc[0]["extra"]
    return {
        "customers": int(totals["customers"]),
        "first_ts": _utc(totals["first"]).isoformat(),
        "last_ts": _utc(totals["last"]).isoformat(),
        "rows_with_offset": int(totals["offsets"]),
        "rows_without_stage": count(totals["unstaged"]),
        "events_per_customer": {"median": float(spread["median"]), "mean": round(float(spread["mean"]), 2), "max": int(spread["max"])},
        "duplicates": count(duplicates),
    }


def constant_per_customer(events: ibis.Table, columns: list[str]) -> dict[str, bool]:
    """For each column: True when every customer has one value on all their events (or none at all),
    so a filter on it selects whole customers (see ``EventDataset.selects_customers_only``)."""
    if not columns:
        return {}
    per = events.group_by("customer_key").aggregate(
        n=events.count(), **{f"lo_{i}": events[c].min() for i, c in enumerate(columns)},
        **{f"hi_{i}": events[c].max() for i, c in enumerate(columns)}, **{f"k_{i}": events[c].count() for i, c in enumerate(columns)})
    mixed = per.aggregate(**{f"m_{i}": ((per[f"k_{i}"] > 0) & ((per[f"lo_{i}"] != per[f"hi_{i}"]) | (per[f"k_{i}"] != per.n))).any()
                             for i in range(len(columns))}).execute().iloc[0]
    return {c: not bool(mixed[f"m_{i}"]) for i, c in enumerate(columns)}


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _distinct(column: ibis.Column) -> list:
    counts = column.value_counts().execute()
    counts = counts.dropna(subset=[counts.columns[0]]).sort_values(counts.columns[1], ascending=False)
    return [str(v) for v in counts.iloc[:MAX_FILTER_VALUES, 0]]


def _stage_order(events: ibis.Table, labels: list[str], given: list[str] | None) -> list[str]:
    if not labels:
        return []
    if given:
        normalised = [normalise_stage(s) for s in given if normalise_stage(s)]
        return [s for s in normalised if s in labels] + [s for s in labels if s not in normalised]
    return propose_stage_order(labels, median_first_positions(events))


def median_first_positions(events: ibis.Table) -> dict[str, float]:
    """For each stage: the median rank, among a customer's stages, of when it was first reached."""
    staged = events.filter(events.stage.notnull())
    first = staged.group_by(["customer_key", "stage"]).aggregate(first=staged.ts.min())
    ranked = first.mutate(position=ibis.row_number().over(group_by=first.customer_key, order_by=first.first))
    result = ranked.group_by("stage").aggregate(median=ranked.position.median()).execute()
    return dict(zip(result["stage"], result["median"].astype(float)))
