"""Integer codes for the text dimensions that paths follow (stage, channel, touchpoint).

Following a customer's path compares each touchpoint with the one before it and spreads the first
steps into columns: on small integers that is about twice as fast as on text. Stages already have
their rank in the stage order (``stage_rank``); at load, channels and touchpoints get a code too
(``channel_code``, ``touchpoint_code``: 0 for the most frequent value, 1 for the next…), and the
code → text dictionary is kept beside the events (``codes.parquet``). Results are grouped on the
codes and turned back into text only at the end, on a few thousand rows. A connected table has no
codes: its paths follow the text itself.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pandas as pd

if TYPE_CHECKING:
    from .dataset import EventDataset

CODES = "codes.parquet"
CODED = {"channel": "channel_code", "touchpoint": "touchpoint_code"}
NONE_LABEL = "(none)"
NONE_CODE = -1
_dictionaries: OrderedDict[tuple[str, int], dict[str, dict[int, str]]] = OrderedDict()
_lock = threading.Lock()


def add_codes(table: ibis.Table) -> tuple[ibis.Table, pd.DataFrame]:
    """``table`` with a code column per coded dimension, and the dictionary (dimension, code, value)."""
    frames = []
    for dimension, column in CODED.items():
        present = table.filter(table[dimension].notnull())
        counts = present.group_by(value=present[dimension]).aggregate(n=present.count())
        ranked = counts.mutate(code=(ibis.row_number().over(order_by=[counts.n.desc(), counts.value])).cast("int32"))
        frame = ranked.select("code", "value").execute()
        frames.append(frame.assign(dimension=dimension)[["dimension", "code", "value"]])
        lookup = ibis.memtable(frame.rename(columns={"value": f"_{dimension}", "code": column}))
        table = table.left_join(lookup, table[dimension] == lookup[f"_{dimension}"]).drop(f"_{dimension}")
    return table, pd.concat(frames, ignore_index=True)


def is_coded(events: EventDataset, dimension: str) -> bool:
    return dimension == "stage" or (dimension in CODED and CODED[dimension] in events.base_table.columns)


def step_value(events: EventDataset, table: ibis.Table, dimension: str) -> ibis.Value:
    """The value paths follow: the code (``NONE_CODE`` when blank), or the text ("(none)") without codes."""
    if dimension == "stage":
        return table.stage_rank.fill_null(NONE_CODE)
    if is_coded(events, dimension):
        return table[CODED[dimension]].fill_null(NONE_CODE)
    return table[dimension].fill_null(NONE_LABEL)


def encode(events: EventDataset, dimension: str, label: str) -> int | str:
    """The value :func:`step_value` gives touchpoints labelled ``label`` (a code no row has when unknown)."""
    if not is_coded(events, dimension):
        return label
    if label == NONE_LABEL:
        return NONE_CODE
    codes = {text: code for code, text in _dictionary(events, dimension).items()}
    return codes.get(label, -2)


def decode(events: EventDataset, dimension: str, values: pd.Series) -> pd.Series:
    """Text labels for values from :func:`step_value` (missing values stay missing)."""
    if not is_coded(events, dimension):
        return values.astype(object).where(values.notna(), None)
    labels = _dictionary(events, dimension)
    return values.map(lambda v: None if pd.isna(v) else labels.get(int(v), NONE_LABEL)).astype(object)


def _dictionary(events: EventDataset, dimension: str) -> dict[int, str]:
    if dimension == "stage":
        return dict(enumerate(events.stage_order))
    path = Path(events.folder) / CODES
    key = (str(path), path.stat().st_mtime_ns)
    with _lock:
        cached = _dictionaries.get(key)
    if cached is None:
        frame = pd.read_parquet(path)
        cached = {d: dict(zip(part["code"].astype(int), part["value"].astype(str))) for d, part in frame.groupby("dimension")}
        with _lock:
            _dictionaries[key] = cached
            while len(_dictionaries) > 8:  # a few datasets' dictionaries at a time
                _dictionaries.popitem(last=False)
    return cached.get(dimension, {})
