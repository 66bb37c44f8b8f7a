"""The dataset store: atomic writes, safe ids, rename and delete, damaged entries."""
import errno
import os

import pytest

from dashboard import DatasetStore, read_events
from dashboard.errors import DatasetNotFoundError, StoreError
from dashboard.store import _store_error, is_valid_id, new_dataset_id
from tests.conftest import write

CSV = "user_id,event_time\na,2025-01-01\nb,2025-01-02\n"


def test_ids_are_long_random_and_url_safe():
    ids = {new_dataset_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 22 and is_valid_id(i) for i in ids)  # 22 base64 characters = 128 bits


@pytest.mark.parametrize("bad", ["../etc", "/etc/passwd", "..", "a" * 21, "abc/def", "", None, "sample/../x"])
def test_bad_ids_are_refused(store, bad):
    assert not is_valid_id(bad)
    with pytest.raises(DatasetNotFoundError):
        store.manifest(bad)


def test_failed_build_leaves_nothing_behind(store):
    def build(folder):
        (folder / "events.parquet").write_bytes(b"half")
        raise RuntimeError("killed mid-load")

    with pytest.raises(RuntimeError):
        store.create(build)
    assert store.list() == [] and list(store.root.iterdir()) == []


def test_leftovers_of_an_interrupted_load_are_cleaned(store, tmp_path):
    read_events(write(tmp_path / "e.csv", CSV), store=store)
    (store.root / ".tmp-abc-1234").mkdir()
    (store.root / ".tmp-abc-1234" / "staging.parquet").write_bytes(b"x")
    assert store.clean_temporary() == 1
    assert [p.name.startswith(".") for p in store.root.iterdir()] == [False]


def test_rename_and_delete(store, tmp_path):
    ds = read_events(write(tmp_path / "e.csv", CSV), store=store)
    store.update(ds.id, name="January web")
    assert [m["name"] for m in DatasetStore(store.root).list()] == ["January web"]
    store.delete(ds.id)
    assert store.list() == []
    with pytest.raises(DatasetNotFoundError, match="not in the library"):
        store.manifest(ds.id)


def test_damaged_dataset_is_listed_as_such_and_others_still_open(store, tmp_path):
    good = read_events(write(tmp_path / "a.csv", CSV), store=store)
    bad = read_events(write(tmp_path / "b.csv", CSV), store=store)
    (store.root / bad.id / "manifest.json").write_text("{not json")
    entries = {m["id"]: m for m in store.list()}
    assert entries[bad.id]["broken"] == "The dataset's description file is damaged. Delete the dataset and upload the file again."
    assert "broken" not in entries[good.id]


def test_unwritable_store_gives_a_clear_message(tmp_path):
    blocker = write(tmp_path / "not-a-folder", "x")
    with pytest.raises(StoreError, match="could not be saved"):
        read_events(write(tmp_path / "e.csv", CSV), store=DatasetStore(blocker / "store"))


@pytest.mark.parametrize("code,message", [(errno.ENOSPC, "disk holding the dataset store is full"),
                                          (errno.EROFS, "read-only"), (errno.EACCES, "read-only")])
def test_os_errors_become_plain_messages(code, message):
    assert message in str(_store_error(OSError(code, os.strerror(code))))


def test_store_limit(store, tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_MAX_DATASETS", "1")
    read_events(write(tmp_path / "e.csv", CSV), store=store)
    with pytest.raises(StoreError, match="already holds 1 datasets"):
        read_events(write(tmp_path / "f.csv", CSV), store=store)
