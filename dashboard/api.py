"""Public entry points for loading data: ``read_events`` and ``reload_events``."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .dataset import EventDataset, open_dataset
from .errors import FileReadError
from .loading import Progress, apply_stage_order, cluster_columns, load_events
from .mapping import Mapping, propose_mapping
from .prepare import prepare_default_views
from .reading import open_table_file
from .settings import get_settings
from .store import EVENTS, DatasetStore, _store_error

SOURCE_PREFIX = "source"


def read_events(source, *, mapping: Mapping | dict | None = None, stage_order: list[str] | None = None,
                store: DatasetStore | None = None, name: str | None = None, progress: Progress | None = None,
                origin: str = "api", file_name: str | None = None, dataset_id: str | None = None) -> EventDataset:
    """Load a touchpoint extract (CSV, CSV.GZ, Parquet, XLSX path, or a DataFrame) into the store.

    Column roles are proposed from the names and values unless ``mapping`` is given (a
    partial dict overrides only the roles it names). Returns the stored :class:`EventDataset`;
    raises a ``JourneyLensError`` subclass with a plain-English message on bad input.
    ``origin`` is recorded in the manifest ("upload", "incoming", "sample" or "api");
    ``dataset_id`` is only for the built-in sample (new datasets get a random id).
    """
    store = store or DatasetStore()
    with tempfile.TemporaryDirectory(prefix="journey-lens-") as scratch:
        path, display = _as_path(source, Path(scratch), file_name)
        _check_size(path)
        opened = open_table_file(path, display_name=display)
        chosen = _resolve_mapping(opened, mapping)

        def build(folder: Path) -> dict:
            kept = None
            if origin != "incoming":
                kept = f"{SOURCE_PREFIX}{_suffix(display)}"
                shutil.copyfile(path, folder / kept)
            result = load_events(opened, chosen, folder, stage_order=stage_order, progress=progress)
            return _manifest(name or display, display, opened, chosen, result, origin, kept, path)

        manifest = store.create(build, dataset_id=dataset_id)
    dataset = open_dataset(manifest["id"], store)
    prepare_default_views(dataset)
    return dataset


def reload_events(dataset_id: str, *, mapping: Mapping | dict | None = None, stage_order: list[str] | None = None,
                  source: str | Path | None = None, store: DatasetStore | None = None,
                  progress: Progress | None = None) -> EventDataset:
    """Re-read a stored dataset with a corrected mapping, or from a newer ``source`` file (refresh).

    The id, name and upload time are kept; the stage order is kept unless given.
    """
    store = store or DatasetStore()
    old = store.manifest(dataset_id)
    folder = store.folder(dataset_id)
    info = old.get("source", {})
    if source is None:
        kept = info.get("stored")
        source = folder / kept if kept else Path(info.get("path", ""))
        if not Path(source).exists():
            raise FileReadError("The original file of this dataset is no longer available, so it cannot be re-read.",
                                hint="Upload the file again.")
    source = Path(source)
    opened = open_table_file(source, display_name=info.get("file_name", source.name))
    base = Mapping.from_dict(old.get("mapping"))
    if isinstance(mapping, dict):
        base = Mapping.from_dict({**base.to_dict(), **mapping})
    elif isinstance(mapping, Mapping):
        base = mapping
    order = stage_order if stage_order is not None else old.get("stage_order")

    def build(tmp: Path) -> dict:
        kept = None
        if info.get("origin") != "incoming":
            kept = f"{SOURCE_PREFIX}{_suffix(info.get('file_name', source.name))}"
            shutil.copyfile(source, tmp / kept)
        result = load_events(opened, base, tmp, stage_order=order, progress=progress)
        manifest = _manifest(old.get("name", dataset_id), info.get("file_name", source.name), opened, base, result,
                             info.get("origin", "api"), kept, source)
        manifest["created_at"] = old.get("created_at")
        return manifest

    store.create(build, dataset_id=dataset_id, replace=True)
    dataset = open_dataset(dataset_id, store)
    prepare_default_views(dataset)
    return dataset


def set_stage_order(dataset_id: str, order: list[str], *, store: DatasetStore | None = None) -> EventDataset:
    """Save a new stage order: the stored events get their new ranks (no re-read of the source)."""
    store = store or DatasetStore()
    dataset = open_dataset(dataset_id, store)
    labels = set(dataset.values("stage"))
    cleaned = [s for s in dict.fromkeys(order) if s in labels]
    cleaned += [s for s in dataset.values("stage") if s not in cleaned]
    if dataset.is_connected:  # the ranks are part of the remote expression: only the description changes
        store.update(dataset_id, stage_order=cleaned)
        return open_dataset(dataset_id, store)
    try:
        segments = dataset.manifest.get("segments", [])
        apply_stage_order(dataset.folder / EVENTS, cleaned, cluster=cluster_columns(segments, dataset.manifest.get("values", {})))
    except OSError as exc:
        raise _store_error(exc) from exc
    store.update(dataset_id, stage_order=cleaned)
    dataset = open_dataset(dataset_id, store)
    prepare_default_views(dataset)
    return dataset


def _resolve_mapping(opened, mapping: Mapping | dict | None) -> Mapping:
    if isinstance(mapping, Mapping):
        return mapping
    proposed = propose_mapping(opened.sample())
    if mapping:
        return Mapping.from_dict({**proposed.to_dict(), **mapping})
    return proposed


def _as_path(source, scratch: Path, file_name: str | None) -> tuple[Path, str]:
    if isinstance(source, pd.DataFrame):
        path = scratch / "dataframe.parquet"
        source.to_parquet(path, index=False)
        return path, file_name or "DataFrame"
    path = Path(source)
    return path, file_name or path.name


def _suffix(name: str) -> str:
    lower = name.lower()
    for suffix in (".csv.gz", ".parquet", ".xlsx", ".xlsm", ".csv", ".tsv", ".txt", ".gz", ".pq"):
        if lower.endswith(suffix):
            return suffix
    return ".dat"


def _check_size(path: Path) -> None:
    limit = get_settings().max_file_mb
    if path.exists() and path.stat().st_size > limit * 1024 * 1024:
        raise FileReadError(f"The file is larger than {limit:,} MB, the most this server reads.",
                            hint="Split the extract by period, or ask the administrator to raise JOURNEY_LENS_MAX_FILE_MB.")


def _manifest(name: str, file_name: str, opened, mapping: Mapping, result, origin: str, kept: str | None, path: Path) -> dict:
    stat = path.stat()
    return {
        "name": name,
        "source": {
            "file_name": file_name, "origin": origin, "kind": opened.kind,
            "encoding": opened.encoding, "delimiter": opened.delimiter, "compressed": opened.compressed,
            "stored": kept, "path": str(path) if origin == "incoming" else None,
            "size": stat.st_size, "modified": stat.st_mtime, "columns": opened.columns, "notes": opened.notes,
        },
        "mapping": mapping.to_dict(),
        "stage_order": result.stage_order,
        "segments": result.segments,
        "values": result.values,
        "quality": result.quality,
        "timestamp_format": result.timestamp_format,
    }
