"""The engine's shared tables: reused by query, evicted by count and by rows, least recently used first."""
import threading

import ibis
import pandas as pd
import pytest

from dashboard import engine


@pytest.fixture
def numbers(tmp_path):
    path = tmp_path / "numbers.parquet"
    pd.DataFrame({"x": range(100)}).to_parquet(path)

    def query(n: int, tag: int) -> ibis.Table:
        table = engine.parquet_table(path)
        return table.filter(table.x < n).mutate(tag=ibis.literal(tag))
    return query


def test_same_query_same_table_and_row_budget(monkeypatch, numbers):
    monkeypatch.setattr(engine, "MAX_ROWS_KEPT", 250)
    first = engine.materialise(numbers(100, 1))
    assert engine.materialise(numbers(100, 1)).get_name() == first.get_name()  # reused, not recomputed
    engine.materialise(numbers(100, 2))
    third = engine.materialise(numbers(100, 3))  # 300 rows > 250: the least recently used (tag 1) goes
    assert not exists(first.get_name())
    assert exists(third.get_name()) and third.count().execute() == 100


def test_count_budget_keeps_the_newest(monkeypatch, numbers):
    monkeypatch.setattr(engine, "MAX_MATERIALISED", 2)
    names = [engine.materialise(numbers(5, 10 + i)).get_name() for i in range(4)]
    assert [exists(n) for n in names] == [False, False, True, True]


def test_a_small_result_is_kept_and_a_large_one_is_not(monkeypatch, numbers):
    small = engine.materialise_small(numbers(10, 30), 10)
    assert small.get_name().startswith("m_") and small.count().execute() == 10 and sorted(small.x.execute()) == list(range(10))
    assert engine.materialise_small(numbers(11, 30), 10) is None  # 11 rows: more than asked
    name = next(reversed(engine._oversized))
    assert not exists(name)  # the 11 rows read were not kept
    created = []
    original = engine._create
    monkeypatch.setattr(engine, "_create", lambda *a, **k: created.append(1) or original(*a, **k))
    assert engine.materialise_small(numbers(11, 30), 10) is None
    assert created == []  # known to be too large: not run again


def exists(name: str) -> bool:
    try:
        engine.connection().table(name)
    except ibis.common.exceptions.TableNotFound:
        return False
    return True


def test_drop_shared_forgets_memory_but_not_files(tmp_path, numbers):
    kept = engine.remembered(("test", "memory"), lambda: engine.materialise(numbers(7, 20)))
    on_disk = engine.remembered(("test", "disk"), lambda: engine.materialise(numbers(9, 21), persist=tmp_path / "results"))
    engine.drop_shared()
    assert not exists(kept.get_name())
    built = []
    again = engine.remembered(("test", "memory"), lambda: built.append(1) or engine.materialise(numbers(7, 20)))
    assert built == [1] and again.count().execute() == 7  # built again from the query, same rows
    assert engine.remembered(("test", "disk"), lambda: 1 / 0).count().execute() == 9  # the result file still answers


def test_a_running_computation_keeps_the_tables_it_read(monkeypatch, numbers):
    """Another session's eviction skips a table a computation still reads; it goes once that computation ends."""
    monkeypatch.setattr(engine, "MAX_MATERIALISED", 2)
    with engine.computation():
        mine = engine.materialise(numbers(3, 30))
        others = threading.Thread(target=lambda: [engine.materialise(numbers(4, 31 + i)) for i in range(4)])
        others.start()
        others.join()
        assert exists(mine.get_name()) and mine.count().execute() == 3
    engine.materialise(numbers(4, 40))
    assert not exists(mine.get_name())


def test_many_sessions_sharing_and_evicting_tables_at_once(monkeypatch, numbers):
    """Eight threads build overlapping results under a tight budget: every one reads its own numbers, no
    'table already exists' or 'table does not exist' on the way."""
    monkeypatch.setattr(engine, "MAX_MATERIALISED", 3)
    failures, counts = [], []

    def session(seed: int) -> None:
        for i in range(25):
            n = 1 + (seed * 7 + i) % 6
            try:
                with engine.computation():
                    table = engine.remembered(("stress", n), lambda: engine.materialise(numbers(n, 50 + n)))
                    counts.append(table.count().execute() == n)
            except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
                failures.append(repr(error))

    threads = [threading.Thread(target=session, args=(s,)) for s in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(counts) == 200 and all(counts)


def test_a_query_shape_is_compiled_once_and_reads_its_own_tables(tmp_path):
    """Two pairs of tables with the same columns, read in swapped roles: one compiled shape, each result from its
    own tables (the SQL is what compiling the query directly gives)."""
    paths = {}
    for name, values in {"a": [1, 2, 3], "b": [2, 3, 4], "c": [10, 20], "d": [20, 30]}.items():
        paths[name] = tmp_path / f"{name}.parquet"
        pd.DataFrame({"x": values}).to_parquet(paths[name])
    a, b, c, d = (engine.parquet_table(paths[n]) for n in "abcd")

    def both(left, right):
        return left.filter(left.x > 1).semi_join(right, "x").select(x=left.x * 2)

    before = len(engine._shapes)
    first, second, swapped = both(a, b), both(c, d), both(b, a)
    con = engine.connection()  # its compile goes through the shapes
    sql = [con.compile(query) for query in (first, second, swapped)]
    assert sql == [type(con).compile(con, query) for query in (first, second, swapped)]  # Ibis's own, compiled anew
    assert len(engine._shapes) == before + 1
    assert sorted(engine.materialise(first).x.execute()) == [4, 6]  # a's 2, 3 that b also has
    assert sorted(engine.materialise(second).x.execute()) == [40]
    assert sorted(engine.materialise(swapped).x.execute()) == [4, 6]  # b's 2, 3 (its 4 is not in a)
    itself, other_literal = both(b, b), b.filter(b.x > 2).semi_join(a, "x").select(x=b.x * 2)
    assert sorted(engine.materialise(itself).x.execute()) == [4, 6, 8]  # one table read twice: its own shape
    assert sorted(engine.materialise(other_literal).x.execute()) == [6]  # another constant: another shape
    assert len(engine._shapes) == before + 4  # with the "SELECT *" every result above is read by


def test_a_query_over_data_sent_from_python_is_not_kept_with_its_data(tmp_path):
    path = tmp_path / "n.parquet"
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(path)
    table = engine.parquet_table(path)
    before = len(engine._shapes)
    asked = ibis.memtable(pd.DataFrame({"x": [2, 3, 9]}))
    assert sorted(table.semi_join(asked, "x").x.execute()) == [2, 3]
    assert len(engine._shapes) == before


def test_readied_shapes_leave_a_filtered_view_only_its_filters_to_compile(store_dir):
    """After ``warm_query_shapes`` (the app runs it when it opens a dataset), the Overview, Funnel and Flow of new
    filters compile only the queries that carry the filters' values (the copy of the view, the daily counts'
    filters): for a view the whole dataset's daily counts answer for, and for one they do not (a touchpoint filter)."""
    from dashboard import flow, overview, sample_events
    from dashboard.funnel import funnel
    from dashboard.prepare import warm_query_shapes

    for thread in threading.enumerate():  # readying started by an app test: its shapes would count here
        if thread.name.startswith("journey-lens-ready"):
            thread.join()
    dataset = sample_events()
    with engine._lock:  # what earlier tests compiled would pass for what readying compiles
        engine.forget_shapes()
    warm_query_shapes(dataset)
    views = [dataset.filter(channels=["email", "web"], segments={"region": [dataset.values("region")[0]]}),
             dataset.filter(touchpoints=dataset.values("touchpoint")[1:3])]
    for view in views:
        before = set(engine._shapes)
        for analytics in (overview.kpis, funnel, overview.segment_conversion, overview.touchpoints_over_time, flow.path_counts):
            analytics(view)
        new = [engine._shapes[shape] for shape in engine._shapes if shape not in before]
        assert 1 <= len(new) <= 5 and all(" IN (" in sql for sql in new), new


def test_sql_compiled_while_the_shapes_were_numbered_anew_is_not_kept(tmp_path):
    """Numbers restart when the numbering grows too large; SQL compiled under an old number must not be kept under
    it (the number may stand for another query by then)."""
    path = tmp_path / "n.parquet"
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(path)
    table = engine.parquet_table(path)
    query = table.filter(table.x > 1)
    con = engine.connection()

    def compile_while_renumbered(expr):
        with engine._lock:
            engine.forget_shapes()
        return type(con).compile(con, expr)

    sql = engine._compiled(compile_while_renumbered, query)
    assert "jl_stand_in" not in sql and sorted(row[0] for row in con.raw_sql(sql).fetchall()) == [2, 3]
    assert len(engine._shapes) == 0


def test_readying_skips_a_last_day_that_is_not_small(store_dir, monkeypatch):
    from dashboard import prepare, sample_events

    dataset = sample_events()
    views = prepare._small_views(dataset)
    assert [bool(v.filters.touchpoints) for v in views] == [False, True]  # the sample has revenue: two kinds of view
    monkeypatch.setattr(prepare, "WARMED_MAX_ROWS", 5)  # the sample's last day has more touchpoints
    assert prepare._small_views(dataset) == []
