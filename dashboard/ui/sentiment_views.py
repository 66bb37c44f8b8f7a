"""Sentiment page parts: the transcript viewer and the transcript upload on the Data page."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from ..conversations import attach_transcripts, load_conversations
from ..dataset import EventDataset
from ..sentiment import worst_sentences
from .errors import guard, plain
from .state import store

ICONS = {"customer": ":material/person:", "agent": ":material/support_agent:", "other": ":material/smart_toy:"}


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def stored_turns(dataset_id: str, version: str) -> pd.DataFrame:
    from ..dataset import open_dataset

    loaded = load_conversations(open_dataset(dataset_id, store()))
    return loaded[1] if loaded else pd.DataFrame()


def transcript(turns: pd.DataFrame, conversation_id: str) -> None:
    """The whole conversation, speaker by speaker, as plain text; the worst customer turns flagged."""
    worst = set(worst_sentences(turns, conversation_id)["turn_index"])
    for row in turns[turns["conversation_id"] == conversation_id].sort_values("turn_index").itertuples():
        with st.chat_message(row.speaker if row.speaker in ("customer", "agent") else "other", avatar=ICONS.get(row.speaker)):
            tone = "not scored" if row.compound != row.compound else f"{row.compound:+.2f}"
            flag = "  ⚠ one of the most negative customer turns" if row.turn_index in worst else ""
            st.caption(plain(f"{row.speaker_label} · tone {tone}{flag}"))
            st.text(row.text)


def transcripts_upload(dataset: EventDataset) -> None:
    """Attach call-centre or chat transcripts (turn-level or whole-conversation files) to the dataset."""
    with st.expander("Transcripts (calls and chats)", expanded=False):
        info = dataset.manifest.get("transcripts")
        if info:
            st.caption(plain(f"Attached: {info.get('file_name')} — {info['conversations']:,} conversations, {info['turns']:,} turns "
                             f"({info['shape']}); linked to customers: {info['linked']:,}, unlinked: {info['unlinked']:,}; "
                             f"turns not scored (no English words VADER knows): {info['not_scored']:,}."))
            if info.get("set_aside_reasons"):
                st.caption(plain("Set aside: " + ", ".join(f"{n:,} × {r}" for r, n in info["set_aside_reasons"].items())))
            if info.get("unrecognised_speakers"):
                st.caption(plain("Speaker labels not recognised (counted as 'other'): " + ", ".join(info["unrecognised_speakers"])))
        upload = st.file_uploader("Transcript file (CSV or Parquet: one row per turn, or one per conversation with "
                                  "'Agent:' / 'Customer:' lines)", type=["csv", "parquet", "gz", "xlsx"], key="upload_transcripts")
        adjust = st.toggle("Customer-service adjustments", value=True, key="tone_adjust",
                           help="'no thanks' and 'don't care' count as neutral; 'please' and 'thanks' cannot make a complaint positive.")
        if upload is not None and st.button("Score and attach", type="primary", key="attach_transcripts"):
            with guard(stop=False), tempfile.TemporaryDirectory(prefix="jl-transcripts-") as scratch:
                path = Path(scratch) / Path(upload.name).name
                path.write_bytes(upload.getbuffer())
                bar = st.progress(0.0, text="Starting…")
                attach_transcripts(dataset.id, path, store=store(), adjust=adjust, file_name=upload.name,
                                   progress=lambda f, t: bar.progress(min(max(f, 0.0), 1.0), text=t))
                st.rerun()
