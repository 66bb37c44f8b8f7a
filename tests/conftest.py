"""Shared fixtures: every test gets its own dataset store and import folder on disk."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture
def store_dir(tmp_path, monkeypatch) -> Path:
    """A fresh, empty store folder (and import folder) for this test."""
    folder = tmp_path / "store"
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(folder))
    monkeypatch.setenv("JOURNEY_LENS_INCOMING", str(tmp_path / "incoming"))
    return folder


@pytest.fixture
def store(store_dir):
    from dashboard import DatasetStore

    return DatasetStore(store_dir)


@pytest.fixture(scope="session")
def shared_store_dir(tmp_path_factory) -> Path:
    """One store with the sample already generated, shared by the app tests (read-mostly)."""
    folder = tmp_path_factory.mktemp("shared") / "store"
    old = os.environ.get("JOURNEY_LENS_STORE")
    os.environ["JOURNEY_LENS_STORE"] = str(folder)
    from dashboard import sample_events

    sample_events()
    if old is None:
        os.environ.pop("JOURNEY_LENS_STORE")
    else:
        os.environ["JOURNEY_LENS_STORE"] = old
    return folder


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
