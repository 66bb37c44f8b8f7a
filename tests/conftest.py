"""Shared fixtures: every test gets its own dataset store and import folder on disk."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["JOURNEY_LENS_RAISE_ERRORS"] = "1"  # a bug in a page fails its test (and the servers it starts), never hides


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


SPARK_CONNECTION = "testspark"


@pytest.fixture(scope="session")
def spark_connection() -> str:
    """A local Spark session (2 cores) reachable as the connection named ``testspark``.
    Skipped locally without Java; under CI a missing Java is a failure (.ci/run installs it)."""
    import shutil

    if not shutil.which("java"):
        if os.environ.get("CI"):
            pytest.fail("Java is missing under CI: .ci/run must install Debian's openjdk-17-jre-headless")
        pytest.skip("no Java on this machine (apt-get install openjdk-17-jre-headless) — Spark tests skipped")
    os.environ["JOURNEY_LENS_CONNECTION_" + SPARK_CONNECTION.upper()] = \
        "spark://local[2]?spark.sql.shuffle.partitions=2&spark.default.parallelism=2"
    from dashboard import sources

    sources.backend(SPARK_CONNECTION)
    return SPARK_CONNECTION


def spark_table(connection: str, name: str, frame) -> str:
    """Put ``frame`` into the Spark session as the temporary table ``name`` (timestamps as UTC)."""
    from dashboard import sources

    session = sources.backend(connection)._session
    frame = frame.copy()
    for column in frame.columns:
        if hasattr(frame[column], "dt") and getattr(frame[column].dt, "tz", None) is not None:
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    session.createDataFrame(frame).createOrReplaceTempView(name)
    return name


@pytest.fixture(scope="module")
def server(shared_store_dir, tmp_path_factory):
    """The app on a free port for one test module (browser tests), using the shared store."""
    from tests.browser import AppServer, require_chromium

    require_chromium()
    app = AppServer(shared_store_dir, tmp_path_factory.mktemp("incoming"))
    yield app
    app.stop()


@pytest.fixture(scope="module")
def browser(server):
    """Debian's Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
