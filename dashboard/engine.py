"""The analytics engine: Ibis over one embedded DuckDB database, one cursor per thread.

Streamlit runs every script run in a new thread; a DuckDB connection must not be used from two
threads at once, so each thread gets its own cursor on a shared in-memory database (one memory
limit for the whole process). Cursors are pooled: a thread that has ended hands its cursor, with
the Parquet views opened on it, to the next new thread. Intermediate results that several charts
reuse (each customer's summary, funnel progress and path) are materialised once as shared tables,
named by the query that defines them, and evicted least-recently-used; ``remembered`` finds them
again by a cheap key, without building or compiling the query. Results over a dataset's unfiltered
events can also be kept on disk beside it (``persist``), so the default view of every page is ready
as soon as a load ends.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
import ibis.expr.operations as ops
from ibis.common.graph import Node

from .settings import get_settings

# Ibis merges nested selects while it compiles; the engines flatten them anyway, and at 10M touchpoints merging
# cost up to 20 ms per query (an ordered funnel's per-step projections), more than any query gained from it
ibis.options.sql.fuse_selects = False

MAX_MATERIALISED = 48  # shared in-memory tables kept…
MAX_ROWS_KEPT = 25_000_000  # …and their total rows (the least recently used go first)
MAX_PERSISTED = 24  # result files kept per dataset folder
_database = None
_cursors: dict[threading.Thread, "_Cursor"] = {}
_lock = threading.Lock()
_materialised: OrderedDict[str, threading.Lock] = OrderedDict()
_rows: dict[str, int] = {}  # in-memory shared tables → rows
_pins: dict[int, set[str]] = {}  # thread → shared tables its running computation has read (never evicted meanwhile)


def _shared_database():
    global _database
    with _lock:
        if _database is None:
            settings = get_settings()
            # what does not fit under the memory limit (a 10M-row sort at load) spills to a temporary folder,
            # not to DuckDB's default ".tmp" in whatever folder the app was started from
            spill = Path(tempfile.gettempdir()) / f"journey-lens-duckdb-{os.getpid()}"
            _database = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": settings.duckdb_memory,
                                                           "temp_directory": str(spill)})
        return _database


class _Cursor:
    """An Ibis backend on one cursor of the shared database, with the Parquet views opened on it; its queries
    are compiled once per shape (``_compiled``), whether materialised here or executed by Ibis."""

    def __init__(self):
        self.con = ibis.duckdb.from_connection(_shared_database().cursor())
        self.tables: dict[tuple[str, int], ibis.Table] = {}
        compile_anew = self.con.compile

        def compile(expr, /, *, limit=None, params=None, pretty=False):  # every query of this cursor: see _compiled
            unlimited = limit is None or (limit == "default" and ibis.options.sql.default_limit is None)
            if unlimited and not params and not pretty and isinstance(expr, ibis.Table):
                return _compiled(compile_anew, expr)
            return compile_anew(expr, limit=limit, params=params, pretty=pretty)

        self.con.compile = compile


def _cursor() -> _Cursor:
    thread = threading.current_thread()
    cursor = _cursors.get(thread)
    if cursor is None:
        with _lock:
            ended = [t for t in _cursors if not t.is_alive()]
            cursor = _cursors.pop(ended[0]) if ended else None
            for t in ended[1:]:  # more ended threads than new ones: let their cursors go
                _cursors.pop(t)
        cursor = cursor or _Cursor()
        with _lock:
            _cursors[thread] = cursor
    return cursor


def connection():
    """This thread's Ibis backend (a cursor on the shared DuckDB database)."""
    return _cursor().con


_schemas: dict[str, ibis.Schema] = {}  # shared table name → its columns (asking DuckDB and parsing them is slow)


@contextmanager
def computation():
    """Within it, the shared tables this thread reads are kept: another session's eviction skips them until the
    block ends (a query would otherwise fail half-way, its table dropped under it). Nested blocks are one."""
    ident = threading.get_ident()
    with _lock:
        outer = ident in _pins
        _pins.setdefault(ident, set())
    try:
        yield
    finally:
        if not outer:
            with _lock:
                _pins.pop(ident, None)


def _pin(name: str, *, if_kept: bool = False) -> bool:
    """Keep ``name`` for this thread's running computation; with ``if_kept``, only when it is still in memory
    (checked and pinned at once, so it cannot be evicted in between). True when pinned or not asked to check."""
    with _lock:
        if if_kept and name not in _rows:
            return False
        pinned = _pins.get(threading.get_ident())
        if pinned is not None:
            pinned.add(name)
        return True


def _named(name: str) -> ibis.Table:
    """The shared table ``name`` on this thread's cursor, without asking the database for its columns again."""
    _pin(name)
    con = connection()
    schema = _schemas.get(name)
    if schema is None:
        table = con.table(name)
        _schemas[name] = table.schema()
        return table
    return ibis.expr.operations.DatabaseTable(name, schema=schema, source=con,
                                              namespace=ibis.expr.operations.Namespace()).to_expr()


def parquet_table(path: Path) -> ibis.Table:
    """An Ibis table over the Parquet file at ``path`` on this thread's cursor."""
    cursor = _cursor()
    path = Path(path)
    stamp = path.stat().st_mtime_ns
    key = (str(path), stamp)
    table = cursor.tables.get(key)
    if table is None:
        name = "t_" + hashlib.sha1(f"{path}:{stamp}".encode()).hexdigest()[:16]
        table = cursor.con.read_parquet(str(path), table_name=name)
        cursor.tables[key] = table
    return table


_known: OrderedDict[tuple, str] = OrderedDict()  # cheap key → name of a shared table (see ``remembered``)
_files: dict[str, Path] = {}  # name of a Parquet view → the result file it reads
MAX_KNOWN = 2_000


def remembered(key: tuple, build) -> ibis.Table:
    """The shared table ``build()`` returns, found again by ``key`` without building or compiling its query.

    ``key`` must name everything the result depends on (dataset version, filters, options). Only for
    results materialised in the embedded database; when the table has been evicted it is built again."""
    with _lock:
        name = _known.get(key)
    if name is not None:
        if name in _files and _files[name].exists():
            return parquet_table(_files[name])
        if _pin(name, if_kept=True):  # still in memory (eviction removes it from _rows before dropping it)
            return _named(name)
    table = build()
    name = getattr(table.op(), "name", "")
    if name.startswith("m_") or name in _files:
        with _lock:
            _known[key] = name
            _known.move_to_end(key)
            while len(_known) > MAX_KNOWN:
                _known.popitem(last=False)
    return table


def materialise(expr: ibis.Table, persist: Path | None = None) -> ibis.Table:
    """``expr`` computed once into a shared table (reused while it stays among the most recent).

    With ``persist`` (a folder), the result is written there as Parquet instead and read back
    from the file by every later call, in this process or the next."""
    con = expr._find_backend()
    if con.name != "duckdb":
        return _remote(con, expr)
    con = connection()
    query = con.compile(expr)  # compiled once: it names the result and then computes it
    name = "m_" + hashlib.sha1(query.encode()).hexdigest()[:24]
    key_lock = _key_lock(name)
    if persist is not None:
        kept = _persisted(con, expr, Path(persist) / f"{name}.parquet", key_lock)
        if kept is not None:
            with _lock:
                _files[kept.op().name] = Path(persist) / f"{name}.parquet"
            return kept
    _create(con, name, query, key_lock)
    _evict(con, keep=name)
    return _named(name)


MAX_SHAPES = 512  # compiled queries kept (see ``_compiled``)
_shapes: OrderedDict[int, str] = OrderedDict()  # a query's shape (see ``_shape``) → its SQL
_interned: dict[tuple, int] = {}  # a node's shape, its children's shapes as numbers → its number
MAX_INTERNED = 200_000
_generation = 0  # counts restarts of the numbering: SQL compiled under an older one is not kept
STAND_IN = "jl_stand_in_{}_"


class _NotKept(Exception):
    """A query whose SQL is not kept: it reads data sent from Python (an Ibis memtable)."""


def _compiled(compile_anew, expr: ibis.Table) -> str:
    """``expr``'s SQL. Ibis compiles a query in 5-40 ms; a new filter state mostly changes only which tables a
    query reads (a new view, a new per-customer summary), not its shape. So the query is compiled with a
    stand-in for each table it reads, once per shape, and the stand-ins' names are then swapped for the
    tables' own (quoted identifiers: the stand-in names occur nowhere else). A query over data sent from Python
    (an Ibis memtable, e.g. the conversations a tone chart asks about) is compiled anew: not kept with its data."""
    op = expr.op()
    tables: list[ops.DatabaseTable] = []
    try:
        with _lock:
            if len(_interned) > MAX_INTERNED:
                forget_shapes()
            generation, shape = _generation, _shape(op, tables)
            sql = _shapes.get(shape)
            if sql is not None:
                _shapes.move_to_end(shape)
    except (_NotKept, TypeError, RecursionError):  # a memtable, an unhashable literal, a very deep query
        return compile_anew(expr)
    if sql is None:
        stand_ins = {t: ops.DatabaseTable(STAND_IN.format(i), schema=t.schema, source=t.source, namespace=t.namespace)
                     for i, t in enumerate(tables)}
        sql = compile_anew(op.replace(stand_ins).to_expr())
        with _lock:
            if generation == _generation:  # numbered anew meanwhile: this number may stand for another query now
                _shapes[shape] = sql
                while len(_shapes) > MAX_SHAPES:
                    _shapes.popitem(last=False)
    for i, table in enumerate(tables):
        sql = sql.replace(f'"{STAND_IN.format(i)}"', f'"{table.name}"')
    return sql


def _shape(op: ops.Node, tables: list) -> int:
    """A number for ``op``'s shape: the same for two queries alike but for the tables they read (appended to
    ``tables`` in the order first met, the order the stand-ins are numbered in). Each node is numbered from its
    type, its plain arguments and its children's numbers, so a node met twice costs one dictionary lookup (about
    ten times faster than rebuilding the query around stand-ins to compare it). Called under the lock."""
    seen: dict[int, int] = {}
    found: dict[ops.DatabaseTable, int] = {}

    def number(node) -> int:
        known = seen.get(id(node))
        if known is not None:
            return known
        if isinstance(node, ops.InMemoryTable):
            raise _NotKept
        if isinstance(node, ops.DatabaseTable):
            position = found.setdefault(node, len(found))
            if position == len(tables):
                tables.append(node)
            key = ("table", position, node.schema, node.namespace)
        else:
            key = (type(node), *map(plain, node.__args__))
        result = _interned.setdefault(key, len(_interned))
        seen[id(node)] = result
        return result

    def plain(value):
        if isinstance(value, Node):
            return ("node", number(value))  # never equal to a plain number argument
        if isinstance(value, tuple):
            return ("tuple", *map(plain, value))
        if isinstance(value, Mapping):
            return ("map", *((k, plain(v)) for k, v in value.items()))
        hash(value)  # TypeError for an unhashable literal: compiled anew
        return value

    return number(op)


def forget_shapes() -> None:
    """Forget every compiled query and restart the shapes' numbering (called under the lock)."""
    global _generation
    _interned.clear()
    _shapes.clear()
    _generation += 1


def _key_lock(name: str) -> threading.Lock:
    """The lock under which the shared table ``name`` is created and dropped (made on first use), the name
    marked as the most recently used."""
    with _lock:
        key_lock = _materialised.setdefault(name, threading.Lock())
        _materialised.move_to_end(name)
        return key_lock


def _create(con, name: str, query: str, key_lock: threading.Lock, *, at_most: int | None = None) -> int:
    """Create the shared table ``name`` from ``query`` unless it exists (pinned for this thread's computation);
    with ``at_most``, only its first at_most + 1 rows. Returns its rows."""
    _pin(name)
    with key_lock:
        if name not in _rows:
            select = query if at_most is None else f"SELECT * FROM ({query}) LIMIT {int(at_most) + 1}"
            # a shared table is a set of rows: not keeping their order lets both threads write (and a LIMIT stop
            # early) instead of funnelling rows through one; this cursor is this thread's alone
            con.raw_sql("SET preserve_insertion_order = false")
            try:
                created = con.raw_sql(f"CREATE TABLE {name} AS {select}")  # plain SQL: the name is [a-z0-9_]
                rows = int(created.fetchone()[0])  # DuckDB answers a CREATE TABLE AS with the rows it wrote
            except duckdb.CatalogException:  # created meanwhile under a lock this thread did not see: same query, same rows
                rows = int(con.raw_sql(f"SELECT count(*) FROM {name}").fetchone()[0])
            finally:
                con.raw_sql("RESET preserve_insertion_order")
            with _lock:
                _rows[name] = rows
        with _lock:
            return _rows[name]


_oversized: OrderedDict[str, None] = OrderedDict()  # queries found to have more rows than asked (not kept)


def materialise_small(expr: ibis.Table, limit: int) -> ibis.Table | None:
    """``expr`` computed once into a shared table when it has at most ``limit`` rows, else None (and nothing kept:
    no more than limit + 1 rows are ever read, and a query found too large is not run again). Only in the
    embedded database; None on another engine."""
    if expr._find_backend().name != "duckdb":
        return None
    con = connection()
    query = con.compile(expr)
    name = "m_" + hashlib.sha1(f"at most {limit}: {query}".encode()).hexdigest()[:24]
    with _lock:
        if name in _oversized:
            return None
    key_lock = _key_lock(name)
    rows = _create(con, name, query, key_lock, at_most=limit)
    if rows > limit:
        with _lock:
            _oversized[name] = None
            while len(_oversized) > MAX_KNOWN:
                _oversized.popitem(last=False)
            _pins.get(threading.get_ident(), set()).discard(name)  # this computation will not read it
        _drop_unread(con, name, key_lock)
        return None
    _evict(con, keep=name)
    return _named(name)


def _persisted(con, expr: ibis.Table, path: Path, key_lock: threading.Lock) -> ibis.Table | None:
    """The result file's table (written first if missing); None when it cannot be written."""
    with key_lock:
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                con.to_parquet(expr, str(tmp), compression="zstd")
                os.replace(tmp, path)
            except (OSError, duckdb.Error):  # a read-only or full store still answers, from memory
                tmp.unlink(missing_ok=True)
                return None
            _trim(path.parent)
    return parquet_table(path)


def _trim(folder: Path) -> None:
    """Keep the most recently written result files of a dataset folder."""
    files = sorted(folder.glob("m_*.parquet"), key=lambda f: f.stat().st_mtime_ns)
    for stale in files[:-MAX_PERSISTED]:
        stale.unlink(missing_ok=True)


def clear_persisted(folder: Path) -> None:
    """Forget the result files kept for a dataset (its events changed)."""
    for stale in Path(folder).glob("m_*.parquet"):
        stale.unlink(missing_ok=True)


_remote_tables: OrderedDict[str, ibis.Table] = OrderedDict()


def _remote(con, expr: ibis.Table) -> ibis.Table:
    """On another engine (e.g. Spark): the result is cached by that engine, not brought into the app."""
    name = "m_" + hashlib.sha1(f"{con.name}:{con.compile(expr)}".encode()).hexdigest()[:24]
    with _lock:
        key_lock = _materialised.setdefault(name, threading.Lock())
    with key_lock:
        with _lock:
            cached = _remote_tables.get(name)
        if cached is None:
            cached = expr.cache()
        with _lock:
            _remote_tables[name] = cached
            _remote_tables.move_to_end(name)
            stale = list(_remote_tables)[:-MAX_MATERIALISED]
            released = [_remote_tables.pop(old) for old in stale]
    for table in released:
        table.release()
    return cached


def drop_shared() -> None:
    """Drop every shared table kept in memory (result files on disk stay): the next query of each view
    starts again from the touchpoints, as for a filter combination nobody has opened yet (benchmarks)."""
    con = connection()
    with _lock:
        names = list(_rows)
        _rows.clear()
        for name in names:
            _materialised.pop(name, None)
            _schemas.pop(name, None)
        for key in [k for k, name in _known.items() if name in names]:
            _known.pop(key)
    for name in names:
        con.drop_table(name, force=True)


def _drop_unread(con, name: str, key_lock: threading.Lock) -> None:
    """Drop the shared table ``name`` unless it is gone already or a running ``computation`` has read it; under
    its own lock, so no thread creates it again half-way through its dropping."""
    with key_lock:
        with _lock:
            if name not in _rows or any(name in p for p in _pins.values()):
                return
            _rows.pop(name)
            _schemas.pop(name, None)
        con.drop_table(name, force=True)


def _evict(con, keep: str) -> None:
    """Drop the least recently used shared tables beyond the count and row budgets: never ``keep``, nor a table
    a running ``computation`` has read (the budgets may be exceeded meanwhile)."""
    with _lock:
        pinned = set().union(*_pins.values())
        kept = [n for n in _materialised if n in _rows]
        total = sum(_rows[n] for n in kept)
        stale = []
        for name in kept:
            if len(kept) - len(stale) <= MAX_MATERIALISED and total <= MAX_ROWS_KEPT:
                break
            if name != keep and name not in pinned:
                stale.append((name, _materialised[name]))
                total -= _rows[name]
    for name, key_lock in stale:
        _drop_unread(con, name, key_lock)
    with _lock:  # forget the locks of long-dropped tables (their names may come back: a new lock then)
        for name in [n for n in _materialised if n not in _rows][:-MAX_KNOWN]:
            _materialised.pop(name)
