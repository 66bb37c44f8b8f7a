"""The dataset store: one folder per dataset with events.parquet and manifest.json.

A dataset is built in a hidden ``.tmp-*`` folder and renamed into place in one
step, so a crash mid-load never leaves a half dataset listed. Manifest edits are
written to a temporary file and atomically replaced. Ids carry 128 random bits.
"""
from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from .errors import DatasetNotFoundError, JourneyLensError, StoreError
from .settings import get_settings

ID_PATTERN = re.compile(r"^(sample|[A-Za-z0-9_-]{22})$")
MANIFEST = "manifest.json"
EVENTS = "events.parquet"
SET_ASIDE = "set_aside.parquet"
RESULTS = "results"  # folder of precomputed results over the unfiltered events (see engine.materialise)


def new_dataset_id() -> str:
    """A URL-safe id with 128 random bits (22 characters)."""
    return secrets.token_urlsafe(16)


def is_valid_id(dataset_id: object) -> bool:
    return isinstance(dataset_id, str) and bool(ID_PATTERN.match(dataset_id))


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class DatasetStore:
    """Datasets on disk under ``root`` (default: the JOURNEY_LENS_STORE setting)."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else get_settings().store_dir

    # --- reading ---------------------------------------------------------------
    def folder(self, dataset_id: str) -> Path:
        if not is_valid_id(dataset_id):
            raise DatasetNotFoundError("The link names a dataset id that is not valid.", hint="Open the Data page and pick a dataset from the library.")
        return self.root / dataset_id

    def manifest(self, dataset_id: str) -> dict:
        """The manifest of ``dataset_id``; DatasetNotFoundError or StoreError (damaged)."""
        path = self.folder(dataset_id) / MANIFEST
        if not path.exists():
            raise DatasetNotFoundError(
                "This dataset is not in the library (it may have been deleted).",
                hint="Open the Data page and pick or upload a dataset.",
            )
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError("The dataset's description file is damaged.", hint="Delete the dataset and upload the file again.") from exc
        connected = manifest.get("source", {}).get("kind") == "connected"  # its events stay in another engine
        if not connected and not _looks_like_parquet(path.parent / EVENTS):
            raise StoreError("The dataset's data file is missing or damaged.", hint="Delete the dataset and upload the file again.")
        return manifest

    def list(self) -> list[dict]:
        """Every stored dataset, newest first; damaged ones listed with ``broken`` set."""
        if not self.root.exists():
            return []
        entries = []
        for folder in self.root.iterdir():
            if folder.name.startswith(".") or not folder.is_dir() or not is_valid_id(folder.name):
                continue
            try:
                entries.append(self.manifest(folder.name))
            except JourneyLensError as exc:
                entries.append(_broken_entry(folder, str(exc)))
        return sorted(entries, key=lambda m: m.get("created_at", ""), reverse=True)

    def exists(self, dataset_id: str) -> bool:
        return is_valid_id(dataset_id) and (self.root / dataset_id / MANIFEST).exists()

    # --- writing ---------------------------------------------------------------
    def create(self, build: Callable[[Path], dict], *, dataset_id: str | None = None, replace: bool = False) -> dict:
        """Run ``build(tmp_folder)`` → manifest, then move the folder into place atomically."""
        self._ensure_root()
        dataset_id = dataset_id or new_dataset_id()
        target = self.folder(dataset_id)
        if not replace and target.exists():
            raise StoreError(f"A dataset with id {dataset_id} already exists.")
        if not replace:
            self._check_capacity()
        tmp = self.root / f".tmp-{dataset_id}-{secrets.token_hex(4)}"
        try:
            tmp.mkdir()
            manifest = build(tmp)
            manifest.update(id=dataset_id, updated_at=now_iso())
            manifest.setdefault("created_at", now_iso())
            _write_json(tmp / MANIFEST, manifest)
            if target.exists():
                old = self.root / f".old-{dataset_id}-{secrets.token_hex(4)}"
                os.rename(target, old)
                os.rename(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, target)
        except OSError as exc:
            raise _store_error(exc) from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return manifest

    def update(self, dataset_id: str, **changes) -> dict:
        """Change manifest fields (name, stage order, …) atomically."""
        manifest = self.manifest(dataset_id)
        manifest.update(changes, updated_at=now_iso())
        try:
            _write_json(self.folder(dataset_id) / MANIFEST, manifest)
        except OSError as exc:
            raise _store_error(exc) from exc
        return manifest

    def delete(self, dataset_id: str) -> None:
        folder = self.folder(dataset_id)
        if not folder.exists():
            raise DatasetNotFoundError("This dataset is not in the library (it may already have been deleted).")
        trash = self.root / f".tmp-deleting-{dataset_id}-{secrets.token_hex(4)}"
        try:
            os.rename(folder, trash)
        except OSError as exc:
            raise _store_error(exc) from exc
        shutil.rmtree(trash, ignore_errors=True)

    def clean_temporary(self, older_than_s: float = 0) -> int:
        """Remove leftovers of interrupted loads (``.tmp-*`` / ``.old-*``); returns how many."""
        if not self.root.exists():
            return 0
        removed = 0
        for folder in self.root.iterdir():
            if folder.name.startswith((".tmp-", ".old-")) and time.time() - folder.stat().st_mtime >= older_than_s:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def _ensure_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _store_error(exc) from exc
        if not os.access(self.root, os.W_OK):
            raise StoreError(f"The dataset store folder {self.root} is read-only.", hint="Ask the administrator to make it writable or set JOURNEY_LENS_STORE to another folder.")

    def _check_capacity(self) -> None:
        limit = get_settings().max_datasets
        count = sum(1 for f in self.root.iterdir() if f.is_dir() and is_valid_id(f.name))
        if count >= limit:
            raise StoreError(f"The library already holds {count} datasets, the most this server keeps.", hint="Delete datasets you no longer need on the Data page.")


def _broken_entry(folder: Path, problem: str) -> dict:
    """A library entry for a damaged dataset: its name and date when the description is still readable."""
    entry = {"id": folder.name, "name": folder.name, "broken": problem, "created_at": ""}
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entry.update(name=str(manifest.get("name", folder.name)), created_at=str(manifest.get("created_at", "")))
    except (OSError, ValueError, AttributeError):
        pass
    return entry


def _looks_like_parquet(path: Path) -> bool:
    """A cheap check (no parsing) that a Parquet file exists and is whole: 'PAR1' at both ends."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(-4, os.SEEK_END)
            return head == b"PAR1" and handle.read(4) == b"PAR1"
    except OSError:
        return False


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _store_error(exc: OSError) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StoreError("The disk holding the dataset store is full.", hint="Delete datasets you no longer need, or ask the administrator for more space.")
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return StoreError("The dataset store folder is read-only, so the dataset could not be saved.", hint="Ask the administrator to make it writable or set JOURNEY_LENS_STORE to another folder.")
    return StoreError(f"The dataset could not be saved ({exc.strerror or exc}).", hint="Try again; if it keeps failing, tell the administrator.")
