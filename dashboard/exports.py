"""Files people take away: CSV without live formulas, Parquet, deck-ready PNG, and names that say what they hold.

Every export carries what it shows (:class:`ExportInfo`: title, dataset, filters in
words, generation time). CSV files start with :data:`PREAMBLE_LINES` lines
beginning with ``#`` and then the table (``pandas.read_csv(f, skiprows=3)``);
Parquet files keep the same text in their key-value metadata; PNG images carry it
in a footer.
"""
from __future__ import annotations

import csv
import io
import re
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from .filters import FilterState

# Cells a spreadsheet would read as a formula: = + - @, tab, carriage return (and their full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PREAMBLE_LINES = 3
DECK_SIZE = (1600, 900)


@dataclass(frozen=True)
class ExportInfo:
    """What an exported file shows, written into the file."""

    title: str
    dataset: str
    filters: str
    generated_at: datetime

    @classmethod
    def now(cls, title: str, dataset: str, filters: str) -> "ExportInfo":
        return cls(title, dataset, filters, datetime.now(timezone.utc))

    @property
    def generated(self) -> str:
        return f"{self.generated_at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"

    def lines(self) -> list[str]:
        """Exactly :data:`PREAMBLE_LINES` lines of text."""
        return [f"Journey Lens · {self.title} · dataset: {self.dataset}", f"Filters: {self.filters}",
                f"Generated: {self.generated}"]


def neutralise(value: object) -> object:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a formula."""
    out = frame.rename(columns=lambda c: neutralise(str(c)))
    for column in out.columns:
        dtype = out[column].dtype
        if dtype == object or pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).map(neutralise)
    return out


def csv_bytes(frame: pd.DataFrame, info: ExportInfo | None = None) -> bytes:
    """UTF-8 CSV with formulas neutralised; with ``info``, :data:`PREAMBLE_LINES` '#' lines come first."""
    buffer = io.StringIO()
    if info is not None:
        writer = csv.writer(buffer, lineterminator="\n")
        for line in info.lines():
            writer.writerow(["# " + _one_line(line)])
    neutralise_formulas(frame).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def parquet_bytes(frame: pd.DataFrame, info: ExportInfo | None = None) -> bytes:
    """Parquet (zstd); ``info`` goes into the file's key-value metadata (``journey_lens.*``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if info is not None:
        extra = {"journey_lens.title": info.title, "journey_lens.dataset": info.dataset,
                 "journey_lens.filters": info.filters, "journey_lens.generated": info.generated}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **{k.encode(): v.encode() for k, v in extra.items()}})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", text)


# --- file names ------------------------------------------------------------------------------------------------

def slug(text: str, limit: int = 60) -> str:
    """Letters and digits (any script) joined by '-': 'Paid Ads / EU' → 'paid-ads-eu'."""
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in str(text).lower())
    return re.sub(r"-{2,}", "-", cleaned).strip("-")[:limit].strip("-")


def period_label(date_from: date | None, date_to: date | None) -> str | None:
    """'2025' for a whole year, '2025-Q2' for a quarter, '2025-03' for a month, else the days."""
    if not date_from and not date_to:
        return None
    if not date_to:
        return f"from-{date_from.isoformat()}"
    if not date_from:
        return f"to-{date_to.isoformat()}"
    if date_from == date_to:
        return date_from.isoformat()
    end_of_month = (date_to + timedelta(days=1)).day == 1
    if date_from.day == 1 and end_of_month:
        months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
        if months == 1:
            return f"{date_from:%Y-%m}"
        if months == 3 and date_from.month % 3 == 1:
            return f"{date_from.year}-Q{date_from.month // 3 + 1}"
        if months == 12 and date_from.month == 1:
            return str(date_from.year)
    return f"{date_from.isoformat()}-to-{date_to.isoformat()}"


def export_file_name(what: str, state: FilterState, extension: str, *, limit: int = 140) -> str:
    """A file name that says what the file holds: 'journey-funnel_2025-Q2_region-europe.csv'.

    ``what`` names the content ('journey-funnel'); the period and the selected filters follow,
    separated by '_' (several values joined by '+'). Long names are cut at a part boundary and end in '_more'.
    """
    parts = [slug(what) or "journey-data"]
    period = period_label(state.date_from, state.date_to)
    if period:
        parts.append(period)
    selected = [(name, values) for name, values in state.segments]
    selected += [(key, getattr(state, attr)) for key, attr in (("channel", "channels"), ("stage", "stages"), ("touchpoint", "touchpoints"))]
    for name, values in selected:
        if values:
            parts.append(f"{slug(name, 30)}-{'+'.join(slug(v, 30) or 'x' for v in values)}")
    name = parts[0]
    for part in parts[1:]:
        if len(name) + len(part) + 1 > limit:
            name += "_more"
            break
        name += "_" + part
    return f"{name}.{extension.lstrip('.')}"


# --- images ------------------------------------------------------------------------------------------------------

def deck_figure(fig, *, title: str, footer: str, width: int = DECK_SIZE[0], height: int = DECK_SIZE[1]):
    """A copy of ``fig`` laid out for a slide: fixed size, white background, large type, title and footer."""
    import plotly.graph_objects as go

    from .charts import plotly_text

    deck = go.Figure(fig)
    deck.update_layout(template="plotly_white", width=width, height=height, font=dict(size=20), paper_bgcolor="white",
                       title=dict(text=plotly_text(title), x=0.01, xanchor="left", font=dict(size=30)),
                       margin=dict(l=40, r=40, t=150, b=110), legend=dict(y=1.02, yanchor="bottom", font=dict(size=18)))
    deck.add_annotation(text=plotly_text(footer), xref="paper", yref="paper", x=0, y=0, yshift=-95, xanchor="left",
                        yanchor="bottom", showarrow=False, align="left", font=dict(size=15, color="#555555"))
    return deck


def chart_png(fig, *, title: str, footer: str, width: int = DECK_SIZE[0], height: int = DECK_SIZE[1]) -> bytes:
    """The chart as a PNG of exactly ``width`` × ``height`` pixels (rendered by kaleido in headless Chromium)."""
    return deck_figure(fig, title=title, footer=footer, width=width, height=height).to_image(
        format="png", width=width, height=height, scale=1)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; ValueError if ``data`` is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", data[16:24])


# --- the touchpoints in view -------------------------------------------------------------------------------------

TOUCHPOINT_COLUMNS = ["row_id", "customer_id", "ts", "stage", "channel", "touchpoint", "revenue"]


def touchpoint_count(dataset) -> int:
    """How many touchpoints pass the filters."""
    return int(dataset.table.count().execute())


def touchpoints_query(dataset):
    """The filtered touchpoints' export columns (and ``seq`` when there is one), sorted by it as the query's last
    step: an engine may drop an ORDER BY inside a subquery (Trino does)."""
    table = dataset.rows()
    columns = [c for c in TOUCHPOINT_COLUMNS if c in table.columns] + [c for c in dataset.segments if c in table.columns]
    return table.select(*columns, "seq").order_by("seq") if "seq" in table.columns else table.select(*columns)


def touchpoints_frame(dataset) -> pd.DataFrame:
    """The filtered touchpoints in event order: file row, customer, UTC time, stage, channel, touchpoint, revenue, segments."""
    frame = touchpoints_query(dataset).to_pandas()
    frame = frame.drop(columns="seq") if "seq" in frame.columns else frame
    columns = list(frame.columns)
    return frame.rename(columns={"ts": "timestamp_utc", **{c: label for c, label in dataset.segments.items() if label not in columns}})
