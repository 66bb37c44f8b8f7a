"""The event dataset object: the canonical Ibis table plus what describes it.

``EventDataset.table`` has the canonical columns (see ``dashboard.loading``) and
``stage_rank`` (0-based position of the stage in the stage order, null when the
stage is not in the order) and ``seq`` (the event order: customer, time, stage rank,
original row), both written at load and whenever the stage order changes. ``filter`` returns a new dataset with fewer events.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from functools import cached_property
from datetime import date, timedelta
from pathlib import Path

import ibis
import pandas as pd

from .codes import CODED, encode
from .engine import materialise, materialise_small, parquet_table, remembered
from .filters import FilterState
from .loading import MAX_FILTER_VALUES
from .mapping import Mapping
from .sources import is_connected, remote_events
from .store import EVENTS, RESULTS, SET_ASIDE, DatasetStore


TEXT_CODES = {"stage": "stage_rank", **CODED}  # text column → the integer column that stands for it
SMALL_VIEW_ROWS = 1_000_000  # a filtered view with at most this many touchpoints is copied once (see ``table``)


class EventDataset:
    """A stored touchpoint dataset, optionally narrowed by a :class:`FilterState`."""

    def __init__(self, manifest: dict, folder: Path, filters: FilterState | None = None):
        self.manifest = manifest
        self.folder = Path(folder)
        self.filters = filters or FilterState(dataset=manifest["id"])

    # --- description -----------------------------------------------------------
    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def name(self) -> str:
        return self.manifest.get("name", self.id)

    @property
    def mapping(self) -> Mapping:
        return Mapping.from_dict(self.manifest.get("mapping"))

    @property
    def stage_order(self) -> list[str]:
        return list(self.manifest.get("stage_order", []))

    @property
    def quality(self) -> dict:
        return dict(self.manifest.get("quality", {}))

    @property
    def segments(self) -> dict[str, str]:
        """Segment column → the label it had in the file."""
        return {s["column"]: s["label"] for s in self.manifest.get("segments", [])}

    def values(self, column: str) -> list[str]:
        """The distinct values of a text column (most frequent first), as stored at load."""
        return list(self.manifest.get("values", {}).get(column, []))

    @property
    def has_stages(self) -> bool:
        return bool(self.stage_order)

    @property
    def every_touchpoint_staged(self) -> bool:
        """True when every touchpoint has a stage of the stage order (known from the load's statistics). Never for a
        connected table: what reads it uses least(), which some engines (Trino, MySQL) answer with null when any
        argument is null."""
        listed = self.values("stage")
        return (not self.is_connected and bool(listed) and len(listed) < MAX_FILTER_VALUES
                and self.quality.get("rows_without_stage") == 0)

    @property
    def has_revenue(self) -> bool:
        return bool(self.mapping.revenue)

    @property
    def revenue_currency(self) -> str | None:
        """The currency sign the revenue values were written with (€, $, £, ¥, ₩), when they all used one."""
        return self.quality.get("revenue_currency")

    def __repr__(self) -> str:
        return f"EventDataset(id={self.id!r}, name={self.name!r}, filters={self.filters.describe()!r})"

    # --- data --------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        """True for a table that stays in another engine (see ``dashboard.sources``)."""
        return is_connected(self.manifest)

    @property
    def base_table(self) -> ibis.Table:
        """All events of the dataset (no filters), with ``stage_rank`` and ``seq``."""
        if self.is_connected:
            return remote_events(self.manifest)
        return parquet_table(self.folder / EVENTS)

    @property
    def table(self) -> ibis.Table:
        """The events that pass the filters, with the columns the analytics read (see :meth:`rows` for every
        column): all but ``customer_id``, ``row_id`` and ``ts_offset`` for the whole dataset; with filters,
        also without the text that codes stand for (``stage``, ``channel``, ``touchpoint``: read
        ``stage_rank`` and the codes), the attributes constant per customer (read from the per-customer
        tables) and, when the daily counts come from the whole dataset's (``dashboard.rollup``), revenue. A
        filtered view keeping at most ``SMALL_VIEW_ROWS`` touchpoints is copied once (only those columns) and
        every chart reads the copy; a larger one stays a query over the stored file, its filters part of each
        query, which reads only the columns it needs (measured at 10M touchpoints: copying 88% of them cost more
        than it saved; copying 3% saved rescanning the file for each chart).
        A view known to be larger from the daily counts (``dashboard.rollup``) is not even tried."""
        dropped = {"customer_id", "row_id", "ts_offset"}
        if self.selects_customers_only and self.filters.stages:  # who reached a stage is known per customer already
            from .customers import customer_summary

            rows = apply_filters(self.base_table, replace(self.filters, stages=()), coded=self._encode)
            rows = rows.semi_join(customer_summary(self).select("customer_key"), "customer_key")
        else:
            rows = self.rows()
        if not self.filters.is_default_view():
            from .rollup import answered_by_whole

            dropped |= {*self.constant_segments, *(text for text, code in TEXT_CODES.items() if code in rows.columns)}
            if answered_by_whole(self):
                dropped.add("revenue")  # only the daily counts read it, and they come from the whole dataset's
        # an explicit list, not drop(): its SQL must be the same in every process (results are kept by it)
        view = rows.select(*[c for c in rows.columns if c not in dropped])
        if self.filters.is_default_view() or self.is_connected:
            return view

        def copied() -> ibis.Table:
            if self._touchpoints_counted is not None and self._touchpoints_counted > SMALL_VIEW_ROWS:
                return view
            small = materialise_small(view, SMALL_VIEW_ROWS)
            return view if small is None else small

        return self.remember(("rows", SMALL_VIEW_ROWS), copied)

    @cached_property
    def _touchpoints_counted(self) -> int | None:
        """The view's touchpoints when counted without a scan (``dashboard.rollup``), else None; once per object."""
        from .rollup import touchpoints_in_view

        return touchpoints_in_view(self)

    @property
    def selects_customers_only(self) -> bool:
        """True when the filters keep whole customers (every event of a customer, or none): a stage filter
        and filters on segment attributes that never change within a customer, and no date, channel or
        touchpoint filter. Per-customer results are then those of the unfiltered view, narrowed."""
        state = self.filters
        if state.is_default_view() or state.date_from or state.date_to or state.channels or state.touchpoints:
            return False
        constant = self.constant_segments
        return all(column in constant for column, _ in state.segments) and all(s in self.stage_order for s in state.stages)

    @property
    def constant_segments(self) -> set[str]:
        """Segment attributes recorded at load as never changing within a customer."""
        return {s["column"] for s in self.manifest.get("segments", []) if s.get("per_customer")}

    @property
    def global_order(self) -> bool:
        """True when ``seq`` numbers all events in one order with each customer's events together
        (uploaded datasets); a connected table numbers each customer's events on their own."""
        return not self.is_connected

    def rows(self) -> ibis.Table:
        """The events that pass the filters, every stored column (for exports)."""
        return apply_filters(self.base_table, self.filters, coded=self._encode)

    def _encode(self, dimension: str, label: str) -> int | str:
        return encode(self, dimension, label)

    def unfiltered(self) -> "EventDataset":
        """The same dataset without filters."""
        return EventDataset(self.manifest, self.folder)

    def shared(self, expr: ibis.Table) -> ibis.Table:
        """``expr`` (built on this dataset's events) computed once per filter state and reused; for the
        unfiltered view the result is kept on disk beside the dataset, ready for every later session."""
        keep_on_disk = self.filters.is_default_view() and not self.is_connected
        return materialise(expr, self.folder / RESULTS if keep_on_disk else None)

    def remember(self, what: tuple, build) -> ibis.Table:
        """``build()`` (a shared table over this view), found again for the same dataset version, filters
        and ``what`` (the result's name and options) without rebuilding its query."""
        if self.is_connected:
            return build()
        events = self.folder / EVENTS
        return remembered((str(events), events.stat().st_mtime_ns, self.filters, what), build)

    def filter(self, state: FilterState | None = None, *, date_from: date | None = None, date_to: date | None = None,
               tz: str | None = None, channels=None, stages=None, touchpoints=None, segments=None) -> "EventDataset":
        """A new dataset with the given filters (a whole FilterState, or keyword pieces of one)."""
        if state is None:
            base = self.filters
            state = FilterState(
                dataset=self.id,
                date_from=date_from if date_from is not None else base.date_from,
                date_to=date_to if date_to is not None else base.date_to,
                tz=tz or base.tz,
                channels=tuple(channels) if channels is not None else base.channels,
                stages=tuple(stages) if stages is not None else base.stages,
                touchpoints=tuple(touchpoints) if touchpoints is not None else base.touchpoints,
            ).with_segments(segments if segments is not None else base.segment_map)
        return EventDataset(self.manifest, self.folder, state)

    def to_pandas(self, limit: int | None = None) -> pd.DataFrame:
        """The filtered events as a DataFrame, ordered by customer, time and stage."""
        table = self.rows().order_by(["customer_key", "seq"])
        frame = (table.limit(limit) if limit else table).execute()
        frame["ts"] = frame["ts"].dt.tz_localize("UTC")
        return frame

    def set_aside(self) -> pd.DataFrame:
        """The rows set aside at load, with the reason for each (empty if none)."""
        path = self.folder / SET_ASIDE
        if not path.exists():
            return pd.DataFrame(columns=["_row", "_reason"])
        frame = pd.read_parquet(path)
        return frame.dropna(axis=1, how="all").rename(columns={"_row": "row", "_reason": "reason", "_raw_line": "raw line"})


def apply_filters(table: ibis.Table, state: FilterState, *, coded=None) -> ibis.Table:
    """Date range (whole days in ``tz``), segment/channel/touchpoint values, then customers who reached a stage.

    ``coded(dimension, label)``, when given, turns channel and touchpoint labels into the integer codes stored
    beside them (``dashboard.codes``): the same rows, found about a fifth faster than by comparing text."""
    def values_of(dimension: str, labels) -> ibis.BooleanValue:
        if coded is not None and CODED[dimension] in table.columns:
            return table[CODED[dimension]].isin(sorted({coded(dimension, label) for label in labels}))
        return table[dimension].isin(list(labels))

    conditions = []
    if state.date_from:
        conditions.append(table.ts >= _day_start(state.date_from, state.tz))
    if state.date_to:
        conditions.append(table.ts < _day_start(state.date_to + timedelta(days=1), state.tz))
    if state.channels:
        conditions.append(values_of("channel", state.channels))
    if state.touchpoints:
        conditions.append(values_of("touchpoint", state.touchpoints))
    for column, values in state.segments:
        if column in table.columns:
            conditions.append(table[column].isin(list(values)))
    filtered = table.filter(*conditions) if conditions else table
    if state.stages:
        reached = filtered.filter(filtered.stage.isin(list(state.stages))).select("customer_key").distinct()
        filtered = filtered.semi_join(reached, "customer_key")
    return filtered


def _day_start(day: date, tz: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz=tz).tz_convert("UTC").tz_localize(None)


_open_lock = threading.Lock()


def open_dataset(dataset_id: str, store: DatasetStore | None = None, filters: FilterState | None = None) -> EventDataset:
    """The stored dataset ``dataset_id`` (the sample is created on first use)."""
    store = store or DatasetStore()
    if dataset_id == "sample" and not store.exists("sample"):
        from .sample import install_sample

        with _open_lock:
            if not store.exists("sample"):
                install_sample(store)
    manifest = store.manifest(dataset_id)
    return EventDataset(manifest, store.folder(dataset_id), filters)
