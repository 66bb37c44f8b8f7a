"""The analytics engine: Ibis over an embedded DuckDB, one connection per thread.

Streamlit runs each session in its own thread; a DuckDB connection must not be
used from two threads at once, so every thread gets its own connection, and
tables are opened on the calling thread's connection.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import ibis

from .settings import get_settings

_local = threading.local()


def connection():
    """This thread's Ibis DuckDB connection (created on first use)."""
    con = getattr(_local, "con", None)
    if con is None:
        settings = get_settings()
        con = ibis.duckdb.connect(threads=2, memory_limit=settings.duckdb_memory)
        _local.con = con
        _local.tables = {}
    return con


def parquet_table(path: Path) -> ibis.Table:
    """An Ibis table over the Parquet file at ``path`` on this thread's connection."""
    con = connection()
    path = Path(path)
    stamp = path.stat().st_mtime_ns
    key = (str(path), stamp)
    table = _local.tables.get(key)
    if table is None:
        name = "t_" + hashlib.sha1(f"{path}:{stamp}".encode()).hexdigest()[:16]
        table = con.read_parquet(str(path), table_name=name)
        _local.tables[key] = table
    return table
