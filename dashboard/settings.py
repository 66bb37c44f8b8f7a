"""Settings read from environment variables, with safe defaults.

| variable | default | meaning |
|---|---|---|
| JOURNEY_LENS_STORE | data/store | where datasets are stored |
| JOURNEY_LENS_INCOMING | data/incoming | server folder for extracts too large to upload |
| JOURNEY_LENS_MAX_ROWS | 20000000 | rows accepted per dataset |
| JOURNEY_LENS_MAX_DATASETS | 200 | datasets kept in the store |
| JOURNEY_LENS_MAX_FILE_MB | 2048 | largest file (after decompression) read |
| JOURNEY_LENS_DUCKDB_MEMORY | 1GB | DuckDB memory limit (one database per process; larger sorts spill to a temporary folder) |
| JOURNEY_LENS_CONNECTION_<NAME> | none | engine URL for connected tables (see dashboard.sources) |
| JOURNEY_LENS_MAX_TURN_CHARS | 20000 | longest transcript turn scored (longer turns are cut and counted) |
| JOURNEY_LENS_PASSWORD | (unset) | when set, the app asks for this password before showing anything |
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var)
    path = Path(value) if value else ROOT / default
    return path.expanduser().resolve()


def _int(var: str, default: int) -> int:
    try:
        return int(os.environ.get(var, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    store_dir: Path
    incoming_dir: Path
    max_rows: int
    max_datasets: int
    max_file_mb: int
    duckdb_memory: str
    max_turn_chars: int = 20_000
    password: str = field(default="", repr=False)


def get_settings() -> Settings:
    """Current settings (read each call, so tests can point at temporary folders)."""
    return Settings(
        store_dir=_path("JOURNEY_LENS_STORE", "data/store"),
        incoming_dir=_path("JOURNEY_LENS_INCOMING", "data/incoming"),
        max_rows=_int("JOURNEY_LENS_MAX_ROWS", 20_000_000),
        max_datasets=_int("JOURNEY_LENS_MAX_DATASETS", 200),
        max_file_mb=_int("JOURNEY_LENS_MAX_FILE_MB", 2048),
        duckdb_memory=os.environ.get("JOURNEY_LENS_DUCKDB_MEMORY", "1GB"),
        max_turn_chars=_int("JOURNEY_LENS_MAX_TURN_CHARS", 20_000),
        password=os.environ.get("JOURNEY_LENS_PASSWORD", ""),
    )
