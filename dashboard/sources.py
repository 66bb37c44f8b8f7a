"""Connected sources: a touchpoint table that stays in an existing engine (Spark, or any Ibis backend).

The server administrator names each engine in an environment variable
``JOURNEY_LENS_CONNECTION_<NAME>=<url>`` (for example ``JOURNEY_LENS_CONNECTION_LAKE=spark://local[2]``,
``postgres://user:pass@host/db``, ``trino://host/catalog/schema``). Pages, manifests and share links
only ever carry the *name*; the URL, which may hold credentials, is never shown or stored.

:func:`connect_table` records a table of such an engine as a dataset (a manifest, no data is
copied). Its events are the canonical columns built as an Ibis expression over the remote table
(``customer_key`` is the customer id itself, ``seq`` numbers each customer's events in time and
stage order), so every analytics function runs in the remote engine and only aggregated results
come back. What only reads a bounded sample: the column-mapping proposal (the first 1,000 rows).
What cannot be pushed down: scoring transcript tone (VADER runs in the app, on the uploaded
transcripts, which are stored there); joining the scored conversations to the journeys does run in
the engine (the conversations are sent to it, one row per conversation comes back). The download of
the filtered touchpoints brings rows back by design.
"""
from __future__ import annotations

import hashlib
import os
import threading
from urllib.parse import parse_qsl

import ibis

from .errors import MappingError, StoreError
from .loading import _distinct, _stage_order, _statistics, constant_per_customer, segment_slug
from .mapping import Mapping, propose_mapping
from .store import DatasetStore

PREFIX = "JOURNEY_LENS_CONNECTION_"
SAMPLE_ROWS = 1_000
_backends: dict[str, object] = {}
_lock = threading.Lock()


def configured_connections() -> list[str]:
    """The connection names the administrator configured (lower case), never their URLs."""
    return sorted(key[len(PREFIX):].lower() for key, value in os.environ.items() if key.startswith(PREFIX) and value)


def backend(name: str):
    """The Ibis backend of connection ``name`` (opened once per server process)."""
    key = str(name).lower()
    with _lock:
        if key not in _backends:
            url = os.environ.get(PREFIX + key.upper())
            if not url:
                raise StoreError(f"No connection named “{name}” is configured on this server.",
                                 hint=f"Ask the administrator to set {PREFIX}{key.upper()}, or pick another connection.")
            _backends[key] = _open(url)
        return _backends[key]


def _open(url: str):
    scheme, _, rest = url.partition("://")
    if scheme in ("spark", "pyspark"):  # spark://<master>?<option>=<value>&…, e.g. spark://local[2]
        from pyspark.sql import SparkSession

        master, _, query = rest.partition("?")
        builder = SparkSession.builder.master(master or "local[*]").appName("journey-lens")
        options = {"spark.sql.session.timeZone": "UTC", "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", **dict(parse_qsl(query))}
        for option, value in options.items():
            builder = builder.config(option, value)
        return ibis.pyspark.connect(builder.getOrCreate())
    return ibis.connect(url)


def connect_table(connection: str, table: str, *, database: str | None = None, mapping: Mapping | dict | None = None,
                  stage_order: list[str] | None = None, name: str | None = None, store: DatasetStore | None = None,
                  dataset_id: str | None = None):
    """Record ``table`` of ``connection`` as a dataset and return it (an :class:`EventDataset`).

    Column roles are proposed from the names and the first rows unless ``mapping`` is given (a
    partial dict overrides only the roles it names). The report (customers, dates, rows without an
    id or a time) and the filter values are computed by the remote engine. With ``dataset_id`` an
    existing connected dataset is re-described (new mapping), keeping its id and links."""
    from .dataset import open_dataset

    store = store or DatasetStore()
    try:
        raw = source_table(backend(connection), table, database)
    except StoreError:
        raise
    except Exception as exc:  # each engine raises its own "not found"
        raise StoreError(f"The table “{table}” was not found in the connection “{connection}”.",
                         hint="Check the table name (and database) with the administrator.") from exc
    chosen = _resolve(raw, mapping)
    segments = _segments(chosen)
    source = {"kind": "connected", "connection": str(connection).lower(), "table": table, "database": database,
              "columns": list(raw.columns)}
    events = canonical_events(raw, chosen, segments, [])
    labels = _distinct(events.stage) if chosen.stage else []
    order = _stage_order(events, labels, stage_order)
    events = canonical_events(raw, chosen, segments, order)
    constant = constant_per_customer(events, [s["column"] for s in segments])
    segments = [{**s, "per_customer": constant[s["column"]]} for s in segments]
    values = {"channel": _distinct(events.channel), "touchpoint": _distinct(events.touchpoint), "stage": labels}
    values.update({s["column"]: _distinct(events[s["column"]]) for s in segments})
    rows = int(raw.count().execute())
    kept = int(events.count().execute())
    quality = {"rows_read": rows, "rows_kept": kept, "rows_set_aside": rows - kept, "warnings": [],
               "set_aside_reasons": {"no customer id or no time (left in the source table)": rows - kept} if rows > kept else {},
               **_statistics(events)}
    manifest = {"name": name or f"{connection}: {table}", "source": source, "mapping": chosen.to_dict(),
                "stage_order": order, "segments": segments, "values": values, "quality": quality, "timestamp_format": {}}
    created = store.create(lambda folder: manifest, dataset_id=dataset_id, replace=dataset_id is not None)
    return open_dataset(created["id"], store)


def _resolve(raw: ibis.Table, mapping: Mapping | dict | None) -> Mapping:
    if isinstance(mapping, Mapping):
        chosen = mapping
    else:
        proposed = propose_mapping(raw.limit(SAMPLE_ROWS).execute())
        chosen = Mapping.from_dict({**proposed.to_dict(), **(mapping or {})})
    missing = [role for role in ("customer_id", "timestamp") if not getattr(chosen, role)]
    unknown = [c for c in [chosen.customer_id, chosen.timestamp, chosen.stage, chosen.channel, chosen.touchpoint,
                           chosen.revenue, *chosen.segments] if c and c not in raw.columns]
    if missing or unknown:
        raise MappingError("The table's columns could not be matched: "
                           + ("no column for " + " and ".join(r.replace("_", " ") for r in missing) if missing else
                              "these columns are not in the table: " + ", ".join(unknown)) + ".",
                           hint="Give the mapping explicitly, e.g. mapping={'customer_id': 'user', 'timestamp': 'event_time'}.")
    return chosen


def _segments(mapping: Mapping) -> list[dict]:
    taken: set[str] = set()
    return [{"column": segment_slug(label, taken), "label": label} for label in mapping.segments]


def canonical_events(raw: ibis.Table, mapping: Mapping, segments: list[dict], order: list[str]) -> ibis.Table:
    """The canonical event columns as an expression over the remote table (rows without an id or a time
    are left out). ``seq`` numbers each customer's events by time, then stage order."""
    def text(column):
        return raw[column].cast("string") if column else ibis.null().cast("string")

    ts = raw[mapping.timestamp]
    if ts.type().is_string():
        ts = ts.cast("timestamp")
    elif ts.type().is_integer():
        ts = ts.as_timestamp("s")
    columns = {
        "customer_id": text(mapping.customer_id), "ts": ts.cast("timestamp"),
        "ts_offset": ibis.null().cast("int16"), "stage": text(mapping.stage), "channel": text(mapping.channel),
        "touchpoint": text(mapping.touchpoint),
        "revenue": raw[mapping.revenue].cast("float64") if mapping.revenue else ibis.null().cast("float64"),
        **{s["column"]: text(s["label"]) for s in segments},
    }
    events = raw.select(**columns)
    events = events.filter(events.customer_id.notnull(), events.ts.notnull())
    rank = events.stage.cases(*[(s, i) for i, s in enumerate(order)], else_=None).cast("int16") if order else ibis.null().cast("int16")
    events = events.mutate(customer_key=events.customer_id, stage_rank=rank)
    seq = ibis.row_number().over(group_by=events.customer_key, order_by=[events.ts, events.stage_rank])
    return events.mutate(row_id=seq.cast("int64"), seq=seq.cast("int64"))


def source_table(con, table: str, database: str | None) -> ibis.Table:
    """A table of the engine's catalog, or Parquet files the engine reads (a path or URL ending in .parquet,
    e.g. s3://lake/touchpoints/*.parquet), registered under a name derived from the path."""
    if table.rstrip("/").endswith(".parquet"):
        return con.read_parquet(table, table_name="src_" + hashlib.sha1(table.encode()).hexdigest()[:16])
    return con.table(table, database=database)


def remote_events(manifest: dict) -> ibis.Table:
    """The canonical events of a connected dataset, kept by the remote engine for reuse."""
    from .engine import materialise

    source = manifest["source"]
    raw = source_table(backend(source["connection"]), source["table"], source.get("database"))
    return materialise(canonical_events(raw, Mapping.from_dict(manifest["mapping"]), manifest.get("segments", []),
                                        manifest.get("stage_order", [])))


def is_connected(manifest: dict) -> bool:
    return manifest.get("source", {}).get("kind") == "connected"
