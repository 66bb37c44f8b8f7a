"""Sentiment page parts: the transcript viewer and the transcript upload on the Data page."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from ..conversations import attach_transcripts, load_conversations, reattach_transcripts
from ..reading import open_table_file
from ..transcripts import TranscriptMapping, propose_transcript_mapping
from ..dataset import EventDataset
from ..sentiment import worst_sentences
from .errors import guard, plain
from .state import store

NONE = "— none —"
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
            flag = "  ⚠ among this conversation's 3 most negative customer turns" if row.turn_index in worst else ""
            st.caption(plain(f"{row.speaker_label} · tone {tone}{flag}"))
            st.text(row.text)


def transcripts_upload(dataset: EventDataset) -> None:
    """Attach call-centre or chat transcripts (turn-level or whole-conversation files) to the dataset."""
    with st.expander("Transcripts (calls and chats)", expanded=False):
        info = dataset.manifest.get("transcripts")
        if info:
            _report(info)
            _roles_editor(dataset, info)
        upload = st.file_uploader("Transcript file (CSV or Parquet: one row per turn, or one per conversation with "
                                  "'Agent:' / 'Customer:' lines)", type=["csv", "parquet", "gz", "xlsx"], key="upload_transcripts")
        if upload is None:
            return
        path = _scratch_copy(upload)
        with guard(stop=False):
            sample = open_table_file(path, display_name=upload.name).sample(500)
            proposed = propose_transcript_mapping(sample)
            with st.form(f"transcript_mapping_{upload.file_id}"):
                shape = st.selectbox("Shape", ["turns", "conversations"], index=0 if proposed.shape == "turns" else 1,
                                     format_func={"turns": "One row per turn", "conversations": "One row per conversation (labelled lines)"}.get)
                cols, chosen = st.columns(4), {}
                for i, role in enumerate(["conversation_id", "speaker", "text", "turn_index", "timestamp", "customer_id", "channel"]):
                    options = [NONE] + list(sample.columns)
                    current = getattr(proposed, role)
                    chosen[role] = cols[i % 4].selectbox(role.replace("_", " ").capitalize(), options,
                                                         index=options.index(current) if current in options else 0, key=f"tmap_{role}")
                adjust = st.toggle("Customer-service adjustments", value=True, key="tone_adjust",
                                   help="'no thanks' and 'don't care' count as neutral; 'please' and 'thanks' cannot make a complaint positive.")
                submitted = st.form_submit_button("Score and attach", type="primary")
            if submitted:
                mapping = TranscriptMapping(shape=shape, **{r: (None if v == NONE else v) for r, v in chosen.items()})
                bar = st.progress(0.0, text="Starting…")
                attach_transcripts(dataset.id, path, mapping=mapping, store=store(), adjust=adjust, file_name=upload.name,
                                   progress=lambda f, t: bar.progress(min(max(f, 0.0), 1.0), text=t))
                st.rerun()


def _report(info: dict) -> None:
    shape = "one row per turn" if info["shape"] == "turns" else "one row per conversation"
    st.caption(plain(f"Attached: {info.get('file_name')} — {info['conversations']:,} conversations, {info['turns']:,} turns "
                     f"(file with {shape}), read from {info['rows_read']:,} rows; linked to customers: {info['linked']:,}, "
                     f"unlinked: {info['unlinked']:,}; turns not scored (no English words VADER knows): {info['not_scored']:,}; "
                     f"customer-service wording adjustments {'on' if info.get('adjusted', True) else 'off'}."))
    if info.get("turns_cut"):
        st.caption(plain(f"{info['turns_cut']:,} turns longer than {info['max_turn_chars']:,} characters were cut to that length "
                         "before scoring (JOURNEY_LENS_MAX_TURN_CHARS)."))
    if info.get("set_aside_reasons"):
        st.caption(plain("Set aside: " + ", ".join(f"{n:,} × {r}" for r, n in info["set_aside_reasons"].items())))


def _roles_editor(dataset: EventDataset, info: dict) -> None:
    labels = info.get("speaker_labels", {})
    if not labels:
        return
    table = pd.DataFrame({"speaker label": list(labels), "role": list(labels.values())})
    edited = st.data_editor(table, hide_index=True, disabled=["speaker label"], key=f"roles_{dataset.id}",
                            column_config={"role": st.column_config.SelectboxColumn(options=["customer", "agent", "other"], required=True)})
    changed = {r["speaker label"]: r["role"] for r in edited.to_dict("records") if labels.get(r["speaker label"]) != r["role"]}
    if changed and st.button("Re-score with these speaker roles", key="rescore_roles"):
        with guard(stop=False):
            bar = st.progress(0.0, text="Starting…")
            reattach_transcripts(dataset.id, roles=changed, store=store(), progress=lambda f, t: bar.progress(min(max(f, 0.0), 1.0), text=t))
            st.rerun()


def _scratch_copy(upload) -> Path:
    """The uploaded file on disk (one scratch copy per upload, kept across reruns)."""
    key = f"jl_transcript_file_{upload.file_id}"
    if key not in st.session_state or not Path(st.session_state[key]).exists():
        folder = Path(tempfile.mkdtemp(prefix="jl-transcripts-"))
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        st.session_state[key] = str(path)
    return Path(st.session_state[key])


def negative_conversations_table(negative: pd.DataFrame) -> pd.DataFrame:
    """The most negative conversations for reading: the tone's change shown beside its word ("improving (+0.24)")."""
    change = negative["change"].map(lambda v: "" if pd.isna(v) else f" ({v:+.2f})")
    return negative.assign(shift=negative["shift"] + change).drop(columns="change")
