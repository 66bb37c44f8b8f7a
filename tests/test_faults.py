"""Faults: loads killed mid-way, a read-only or full store, a damaged dataset file — nothing stored is lost."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard import DatasetStore, open_dataset, read_events
from dashboard.errors import StoreError

ROOT = Path(__file__).resolve().parent.parent
GOOD = "user_id,event_time,channel\n00123,2025-01-01,web\n123,2025-01-02,email\n"
LOADER = ("import sys; from dashboard.api import read_events\n"
          "print('loading', flush=True)\n"
          "read_events(sys.argv[1])\nprint('done', flush=True)\n")


def big_csv(path: Path, rows: int = 200_000) -> Path:
    stages = ["awareness", "consideration", "conversion"]
    with path.open("w") as handle:
        handle.write("user_id,event_time,journey_stage,channel,region\n")
        for i in range(rows):
            handle.write(f"c{i % 40_000:05d},2025-{1 + i % 12:02d}-{1 + i % 28:02d} 10:{i % 60:02d},{stages[i % 3]},web,EU\n")
    return path


@pytest.fixture
def earlier(store, tmp_path):
    (tmp_path / "good.csv").write_text(GOOD)
    return read_events(tmp_path / "good.csv", store=store)


def assert_earlier_intact(store: DatasetStore, earlier) -> None:
    assert open_dataset(earlier.id, store).to_pandas()["customer_id"].tolist() == ["00123", "123"]


def test_loads_killed_at_any_point_leave_no_half_dataset(store, earlier, tmp_path):
    source = big_csv(tmp_path / "big.csv")
    env = dict(os.environ, JOURNEY_LENS_STORE=str(store.root), PYTHONPATH=str(ROOT))
    delays = [0.05, 0.2, 0.5, 0.8, 1.2]
    children = [subprocess.Popen([sys.executable, "-c", LOADER, str(source)], env=env, stdout=subprocess.PIPE, text=True)
                for _ in delays]
    for child, delay in zip(children, delays):
        assert child.stdout.readline().strip() == "loading"  # imports done: the load itself starts now
    started = time.time()
    for child, delay in sorted(zip(children, delays), key=lambda pair: pair[1]):
        time.sleep(max(0.0, started + delay - time.time()))
        child.send_signal(signal.SIGKILL)
    for child in children:
        child.wait(timeout=30)
    finished = sum(child.returncode == 0 for child in children)
    assert finished < len(children)  # most loads were cut short
    leftovers = [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers, "no kill landed mid-load: the test did not exercise an interrupted load"
    listed = store.list()
    assert finished <= len(listed) - 1 < len(children)  # a load killed just after its rename is listed, whole
    for entry in listed:  # no half dataset listed: only the earlier one and completed loads
        assert not entry.get("broken")
        assert entry["id"] == earlier.id or open_dataset(entry["id"], store).quality["rows_kept"] == 200_000
    assert_earlier_intact(store, earlier)
    assert store.clean_temporary() == len(leftovers)
    assert sorted(p.name for p in store.root.iterdir()) == sorted(m["id"] for m in listed)
    finished = read_events(source, store=store)  # and the same file loads fine afterwards
    assert finished.quality["rows_kept"] == 200_000


def _mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if result.returncode != 0:
        pytest.skip("a real read-only or full file system needs a tmpfs mount (root); the message path is covered by "
                    "test_store.py::test_os_errors_become_plain_messages and the file-in-the-way test")


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "disk"
    _mount_tmpfs(folder, "3m")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_full_disk_gives_a_clear_message_and_keeps_earlier_datasets(small_disk, tmp_path):
    store = DatasetStore(small_disk / "store")
    (tmp_path / "good.csv").write_text(GOOD)
    earlier = read_events(tmp_path / "good.csv", store=store)
    with pytest.raises(StoreError, match=r"The disk holding the dataset store is full\. Delete datasets you no longer need"):
        read_events(big_csv(tmp_path / "big.csv", 100_000), store=store)  # 5 MB: the copy alone does not fit
    assert [m["id"] for m in store.list()] == [earlier.id]
    assert_earlier_intact(store, earlier)
    assert [p.name for p in store.root.iterdir()] == [earlier.id]  # the partial copy was removed


def test_read_only_store_gives_a_clear_message_and_stays_readable(small_disk, tmp_path):
    store = DatasetStore(small_disk / "store")
    (tmp_path / "good.csv").write_text(GOOD)
    earlier = read_events(tmp_path / "good.csv", store=store)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError, match=r"is read-only\. Ask the administrator to make it writable or set JOURNEY_LENS_STORE"):
        read_events(tmp_path / "good.csv", store=store)
    with pytest.raises(StoreError, match="read-only"):
        store.update(earlier.id, name="renamed")
    assert_earlier_intact(store, earlier)


def test_damaged_data_file_is_reported_in_the_library_and_others_still_work(store, earlier, tmp_path, monkeypatch):
    (tmp_path / "other.csv").write_text(GOOD)
    damaged = read_events(tmp_path / "other.csv", store=store, name="damaged one")
    events = damaged.folder / "events.parquet"
    events.write_bytes(events.read_bytes()[: len(events.read_bytes()) // 2])  # cut in half, as a failing disk might
    entries = {m["id"]: m for m in store.list()}
    assert entries[damaged.id]["broken"] == "The dataset's data file is missing or damaged. Delete the dataset and upload the file again."
    assert "broken" not in entries[earlier.id]
    assert_earlier_intact(store, earlier)

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["ds"] = damaged.id
    at.run()
    assert not at.exception
    assert "could not be opened (The dataset's data file is missing or damaged)" in at.warning[0].value.replace("\\", "")
    at.switch_page("pages/9_Data.py").run()
    library = at.dataframe[-1].value.set_index("Name")
    assert library.loc["damaged one", "Status"].startswith("damaged: The dataset's data file is missing or damaged")
    assert library.loc["good.csv", "Status"] == ""
    at.selectbox(key="dataset_picker_sample").set_value(earlier.id).run()  # the damaged one is not offered; others open
    assert not at.exception and not at.error
    assert damaged.id not in at.selectbox(key=f"dataset_picker_{earlier.id}").options
