"""The engine's shared tables: reused by query, evicted by count and by rows, least recently used first."""
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


def exists(name: str) -> bool:
    try:
        engine.connection().table(name)
    except ibis.common.exceptions.TableNotFound:
        return False
    return True
