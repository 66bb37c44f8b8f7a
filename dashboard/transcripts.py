"""Call-centre and chat transcripts: read either shape into one turn-level table.

* turn-level files: one row per utterance (conversation id, speaker, text, and optionally
  turn order, timestamp, customer id, channel);
* conversation-level files: one row per conversation whose text has one line per turn,
  each starting with a speaker label ("Agent: …", "Customer – …", "[Rep] …").

Speakers are mapped to customer / agent / other (bots, systems, unrecognised labels).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .errors import MappingError, NoValidRowsError
from .mapping import normalise_name
from .reading import open_table_file
from .settings import get_settings
from .timestamps import detect_format, parse_timestamps

ROLES = ("customer", "agent", "other")
CUSTOMER_WORDS = {"customer", "caller", "client", "user", "visitor", "member", "guest", "consumer", "cust", "buyer", "shopper", "patient"}
AGENT_WORDS = {"agent", "rep", "representative", "advisor", "adviser", "operator", "support", "staff", "associate", "csr",
               "specialist", "consultant", "employee", "host", "service", "helpdesk", "brand", "company"}
OTHER_WORDS = {"bot", "chatbot", "system", "ivr", "auto", "automated", "virtual", "assistant", "va", "notification"}
NAMES = {
    "conversation_id": ["conversationid", "conversation", "callid", "chatid", "sessionid", "ticketid", "transcriptid", "dialogid", "threadid"],
    "speaker": ["speaker", "role", "participant", "from", "author", "sender", "party", "speakerrole"],
    "text": ["text", "utterance", "message", "content", "body", "transcript", "turntext", "msg"],
    "turn_index": ["turnindex", "turn", "turnorder", "sequence", "seq", "position", "turnnumber", "lineno"],
    "timestamp": ["timestamp", "time", "datetime", "startedat", "createdat", "date", "ts", "eventtime", "starttime"],
    "customer_id": ["customerid", "userid", "clientid", "visitorid", "personid", "accountid", "customer", "cid"],
    "channel": ["channel", "medium", "source", "type", "contacttype"],
}
_LABEL = re.compile(r"^\s*(?:\[(?P<bracket>[^\]\n]{1,40})\]\s*[:\-–—]?|(?P<plain>[A-Za-z][\w .'’()-]{0,30}?)\s*[:：\-–—])\s*(?P<text>.*)$")


@dataclass
class TranscriptMapping:
    """Which columns hold what; ``shape`` is 'turns' or 'conversations'; ``roles`` maps speaker labels."""

    shape: str = "turns"
    conversation_id: str | None = None
    speaker: str | None = None
    text: str | None = None
    turn_index: str | None = None
    timestamp: str | None = None
    customer_id: str | None = None
    channel: str | None = None
    roles: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "TranscriptMapping":
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


def speaker_role(label: object) -> str:
    """'Agent (Sam)' → agent; 'Caller' → customer; 'IVR' → other; unknown labels → other."""
    words = set(re.findall(r"[a-z]+", str(label).lower()))
    if words & OTHER_WORDS:
        return "other"
    if words & AGENT_WORDS:
        return "agent"
    if words & CUSTOMER_WORDS:
        return "customer"
    return "other"


def split_conversation(text: str) -> list[tuple[str, str]]:
    """Split a whole-conversation text into (speaker label, text) turns; unlabelled lines continue the turn."""
    turns: list[list[str]] = []
    for line in str(text or "").splitlines():
        if not line.strip():
            continue
        match = _LABEL.match(line)
        label = match and (match.group("bracket") or match.group("plain"))
        if match and label and (speaker_role(label) != "other" or label.strip().lower() in OTHER_WORDS or "[" in line[:2]):
            turns.append([label.strip(), match.group("text").strip()])
        elif turns:
            turns[-1][1] = (turns[-1][1] + "\n" + line.strip()).strip()
        else:
            turns.append(["unknown", line.strip()])
    return [(label, body) for label, body in turns]


def _find(columns: list[str], role: str, taken: set[str]) -> str | None:
    normalised = {c: normalise_name(c) for c in columns if c not in taken}
    for wanted in NAMES[role]:
        for column, norm in normalised.items():
            if norm == wanted:
                return column
    return None


def propose_transcript_mapping(sample: pd.DataFrame) -> TranscriptMapping:
    """Detect the shape and the columns from the first rows of a file."""
    columns = list(sample.columns)
    taken: set[str] = set()
    mapping = TranscriptMapping()
    for role in ("conversation_id", "speaker", "text", "turn_index", "timestamp", "customer_id", "channel"):
        column = _find(columns, role, taken)
        if column:
            setattr(mapping, role, column)
            taken.add(column)
    if not mapping.text:
        lengths = {c: sample[c].dropna().astype(str).str.len().mean() for c in columns if c not in taken}
        mapping.text = max(lengths, key=lengths.get) if lengths else None
    if mapping.text and not mapping.speaker:
        mapping.shape = "conversations"
    return mapping


def read_transcripts(source, *, mapping: TranscriptMapping | dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Read a transcript file → (turns, report). Turns columns: conversation_id, turn_index (1-based),
    speaker (customer/agent/other), speaker_label, text, customer_id, timestamp (UTC), channel.
    The report counts rows read, kept, set aside by reason, conversations and speaker labels."""
    frame = _read_frame(source)
    proposed = propose_transcript_mapping(frame.head(2000))
    if isinstance(mapping, dict):
        mapping = TranscriptMapping.from_dict({**proposed.to_dict(), **mapping})
    mapping = mapping or proposed
    if not mapping.text:
        raise MappingError("No column with the conversation text was found.", hint="Choose the text column in the transcript mapping.")
    turns = _conversation_rows(frame, mapping) if mapping.shape == "conversations" else _turn_rows(frame, mapping)
    reasons = {}
    empty = turns["text"].fillna("").str.strip() == ""
    reasons["empty text"] = int(empty.sum())
    turns = turns[~empty]
    if turns.empty:
        raise NoValidRowsError(f"None of the {len(frame):,} transcript rows has any text.", hint="Check the text column in the transcript mapping.")
    limit = get_settings().max_turn_chars
    long = turns["text"].str.len() > limit
    turns.loc[long, "text"] = turns.loc[long, "text"].str[:limit]
    labels = turns["speaker_label"].fillna("unknown").astype(str)
    roles = {label: mapping.roles.get(label) or speaker_role(label) for label in labels.unique()}
    turns["speaker"] = labels.map(roles)
    turns["channel"] = turns["channel"].fillna("unknown").astype(str).str.strip().str.lower()
    report = {
        "shape": mapping.shape, "rows_read": int(len(frame)), "turns": int(len(turns)),
        "set_aside_reasons": {k: v for k, v in reasons.items() if v},
        "turns_cut": int(long.sum()), "max_turn_chars": limit,
        "conversations": int(turns["conversation_id"].nunique()),
        "speaker_labels": {label: roles[label] for label in sorted(roles)[:50]},
        "unrecognised_speakers": sorted(label for label, role in roles.items() if role == "other" and label.lower() not in OTHER_WORDS)[:20],
    }
    columns = ["conversation_id", "turn_index", "speaker", "speaker_label", "text", "customer_id", "timestamp", "channel"]
    return turns[columns].reset_index(drop=True), report | {"mapping": mapping.to_dict()}


def _read_frame(source) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    opened = open_table_file(Path(source))
    return pd.concat(list(opened.batches()), ignore_index=True)


def _text_col(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if not column:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[column].astype("string").str.strip()
    return values.mask(values == "")


def _timestamps(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if not column:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    ts, _, _ = parse_timestamps(frame[column], detect_format(frame[column]))
    return ts


def _turn_rows(frame: pd.DataFrame, mapping: TranscriptMapping) -> pd.DataFrame:
    if not mapping.conversation_id or not mapping.speaker:
        raise MappingError("Turn-level transcripts need a conversation id and a speaker column.",
                           hint="Choose them in the transcript mapping, or pick the whole-conversation shape.")
    turns = pd.DataFrame({
        "conversation_id": _text_col(frame, mapping.conversation_id),
        "speaker_label": _text_col(frame, mapping.speaker),
        "text": frame[mapping.text].astype("string"),
        "customer_id": _text_col(frame, mapping.customer_id),
        "timestamp": _timestamps(frame, mapping.timestamp),
        "channel": _text_col(frame, mapping.channel),
        "_order": pd.to_numeric(frame[mapping.turn_index], errors="coerce") if mapping.turn_index else pd.Series(range(len(frame)), index=frame.index),
        "_row": range(len(frame)),
    })
    turns = turns[turns["conversation_id"].notna()]
    turns = turns.sort_values(["conversation_id", "_order", "_row"], kind="stable")
    turns["turn_index"] = turns.groupby("conversation_id").cumcount() + 1
    first = turns.groupby("conversation_id")
    for column in ("customer_id", "channel"):
        turns[column] = first[column].transform("first")
    turns["timestamp"] = turns["timestamp"].fillna(first["timestamp"].transform("min"))
    return turns


def _conversation_rows(frame: pd.DataFrame, mapping: TranscriptMapping) -> pd.DataFrame:
    ids = _text_col(frame, mapping.conversation_id) if mapping.conversation_id else pd.Series([f"conv-{i + 1}" for i in range(len(frame))], index=frame.index)
    meta = pd.DataFrame({"conversation_id": ids, "customer_id": _text_col(frame, mapping.customer_id),
                         "timestamp": _timestamps(frame, mapping.timestamp), "channel": _text_col(frame, mapping.channel)})
    rows = []
    for (index, item), text in zip(meta.iterrows(), frame[mapping.text]):
        for n, (label, body) in enumerate(split_conversation(text), start=1):
            rows.append({**item.to_dict(), "turn_index": n, "speaker_label": label, "text": body})
    if not rows:
        return pd.DataFrame(columns=["conversation_id", "turn_index", "speaker_label", "text", "customer_id", "timestamp", "channel"])
    return pd.DataFrame(rows)
