"""Attach transcripts to a stored dataset: read, score once, link to journeys, store atomically.

Stored beside the events: ``turns.parquet`` (one row per turn with its tone) and
``conversations.parquet`` (one row per conversation: customer, time, channel, the journey stage
at that time, whether it is linked to the event data, and its tone summary).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from collections.abc import Callable

import ibis
import pandas as pd

from .dataset import EventDataset, open_dataset
from .errors import FileReadError
from .store import DatasetStore, now_iso
from .tone import conversation_tone, quarter_of, score_turns
from .transcripts import TranscriptMapping, read_transcripts

TURNS, CONVERSATIONS, SOURCE = "turns.parquet", "conversations.parquet", "transcripts_source"


def attach_transcripts(dataset_id: str, source, *, mapping: TranscriptMapping | dict | None = None,
                       store: DatasetStore | None = None, adjust: bool = True, file_name: str | None = None,
                       progress: Callable[[float, str], None] | None = None) -> EventDataset:
    """Read ``source`` (path or DataFrame), score every turn once and link conversations to the dataset."""
    store = store or DatasetStore()
    dataset = open_dataset(dataset_id, store)
    report = progress or (lambda fraction, text: None)
    report(0.02, "Reading the transcripts…")
    if not isinstance(source, pd.DataFrame) and Path(source).exists() and Path(source).parent != dataset.folder:
        kept = dataset.folder / f"{SOURCE}{''.join(Path(source).suffixes[-2:]) or '.csv'}"
        shutil.copyfile(source, kept.with_name(f".{kept.name}.tmp"))
        os.replace(kept.with_name(f".{kept.name}.tmp"), kept)
        for old in dataset.folder.glob(f"{SOURCE}*"):
            if old != kept:
                old.unlink()
    turns, quality = read_transcripts(source, mapping=mapping)
    scored = score_turns(turns, adjust=adjust, progress=lambda f, t: report(0.05 + 0.85 * f, t))
    report(0.92, "Linking conversations to journeys…")
    turns = turns.assign(compound=scored["compound"].to_numpy(), label=scored["label"].to_numpy())
    turns["quarter"] = quarter_of(turns["turn_index"], turns.groupby("conversation_id")["turn_index"].transform("max"))
    conversations = _link(dataset, turns).merge(conversation_tone(scored), on="conversation_id", how="left")
    quality.update(
        linked=int(conversations["linked"].sum()), unlinked=int((~conversations["linked"]).sum()),
        not_scored=int((turns["label"] == "not scored").sum()), adjusted=adjust,
        file_name=file_name or ("DataFrame" if isinstance(source, pd.DataFrame) else Path(source).name),
    )
    _write(turns.drop(columns=["customer_id", "timestamp", "channel"]), dataset.folder / TURNS)
    _write(conversations, dataset.folder / CONVERSATIONS)
    store.update(dataset_id, transcripts=quality | {"attached_at": now_iso()})
    report(1.0, "Done")
    return open_dataset(dataset_id, store)


def _write(frame: pd.DataFrame, path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _link(dataset: EventDataset, turns: pd.DataFrame) -> pd.DataFrame:
    """One row per conversation with customer_key and the stage at its time (latest stage reached at or before it).

    The conversations go to the engine that holds the touchpoints (DuckDB, or Spark for a connected table)
    and the join runs there: one row per conversation comes back, never the touchpoints."""
    first = turns.groupby("conversation_id", sort=False).agg(
        customer_id=("customer_id", "first"), timestamp=("timestamp", "min"), channel=("channel", "first"),
        turns=("turn_index", "max"))
    conv = first.reset_index()
    conv["ts"] = pd.to_datetime(conv["timestamp"], utc=True).dt.tz_convert(None)
    events = dataset.base_table
    people = events.select("customer_id", "customer_key").distinct()
    known = ibis.memtable(conv[["conversation_id", "customer_id", "ts"]].astype({"customer_id": "string", "conversation_id": "string"}))
    keyed = known.join(people, "customer_id").select("conversation_id", "customer_key")
    staged = events.filter(events.stage.notnull()).select("customer_id", ev_ts=events.ts, seq=events.seq, stage=events.stage)
    at_time = known.join(staged, "customer_id").filter(lambda r: r.ev_ts <= r.ts)
    stage = at_time.group_by("conversation_id").aggregate(stage_at=at_time.stage.argmax(at_time.seq))
    links = keyed.left_join(stage, "conversation_id").drop("conversation_id_right").execute()
    conv = conv.astype({"conversation_id": "string"}).merge(links.astype({"conversation_id": "string"}), on="conversation_id", how="left")
    conv["linked"] = conv["customer_key"].notna()
    conv["stage_at"] = conv["stage_at"].fillna("(unknown)")
    return conv.drop(columns=["ts"])


def reattach_transcripts(dataset_id: str, *, roles: dict[str, str] | None = None, adjust: bool | None = None,
                         store: DatasetStore | None = None, progress=None) -> EventDataset:
    """Score the stored transcript file again with corrected speaker roles or adjustments switched."""
    store = store or DatasetStore()
    dataset = open_dataset(dataset_id, store)
    info = dataset.manifest.get("transcripts") or {}
    sources = sorted(dataset.folder.glob(f"{SOURCE}*"))
    if not sources:
        raise FileReadError("The original transcript file is not stored with this dataset.", hint="Attach the transcripts again.")
    mapping = TranscriptMapping.from_dict(info.get("mapping"))
    if roles:
        mapping.roles = {**mapping.roles, **roles}
    return attach_transcripts(dataset_id, sources[0], mapping=mapping, store=store, file_name=info.get("file_name"),
                              adjust=info.get("adjusted", True) if adjust is None else adjust, progress=progress)


def load_conversations(dataset: EventDataset) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(conversations, turns) stored with the dataset, or None when no transcripts are attached."""
    folder = dataset.folder
    if not (folder / CONVERSATIONS).exists():
        return None
    return pd.read_parquet(folder / CONVERSATIONS), pd.read_parquet(folder / TURNS)
