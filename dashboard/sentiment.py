"""Tone analytics on scored conversations, following the global filters through the customer id.

Conversations count once each; tone is the customer's unless a column says agent. With the
default view every conversation counts, unlinked ones included; once any filter is set, only
conversations of customers in view (and, with a date range, inside it) count.
"""
from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from .dataset import EventDataset
from .customers import conversion_stage, customer_segments
from .tone import NEGATIVE, POSITIVE

BINS = np.linspace(-1, 1, 21)


def in_view(events: EventDataset, conversations: pd.DataFrame) -> pd.DataFrame:
    """The conversations the filters keep (see the module docstring)."""
    state = events.filters
    if state.is_default_view():
        return conversations
    linked = conversations.loc[conversations["customer_key"].notna(), ["conversation_id", "customer_key"]]
    if linked.empty:
        return conversations.iloc[0:0]
    # the conversations' customers go to the engine, the customers in view are matched there: only ids come back
    asked = ibis.memtable(linked.astype({"conversation_id": "string", "customer_key": _key_type(events)}))
    ids = asked.semi_join(events.table.select("customer_key"), "customer_key").conversation_id.execute()
    kept = conversations[conversations["conversation_id"].astype("string").isin(ids)]
    stamps = pd.to_datetime(kept["timestamp"], utc=True)
    if state.date_from:
        kept = kept[stamps >= pd.Timestamp(state.date_from, tz=state.tz)]
        stamps = stamps.loc[kept.index]
    if state.date_to:
        kept = kept[stamps < pd.Timestamp(state.date_to, tz=state.tz) + pd.Timedelta(days=1)]
    return kept


def tone_distribution(conversations: pd.DataFrame) -> pd.DataFrame:
    """Columns bin_start, bin_end, customer, agent: conversations per 0.1-wide tone bin."""
    customer, _ = np.histogram(conversations["customer_tone"].dropna(), bins=BINS)
    agent, _ = np.histogram(conversations["agent_tone"].dropna(), bins=BINS)
    return pd.DataFrame({"bin_start": BINS[:-1].round(2), "bin_end": BINS[1:].round(2), "customer": customer, "agent": agent})


def tone_by(conversations: pd.DataFrame, column: str) -> pd.DataFrame:
    """Columns group, conversations, customer_tone (mean), negative_pct (% of conversations whose
    customer tone is negative), sorted by customer tone (worst first)."""
    scored = conversations[conversations["customer_tone"].notna()]
    grouped = scored.groupby(scored[column].fillna("(unknown)").astype(str))
    out = pd.DataFrame({"conversations": grouped.size(), "customer_tone": grouped["customer_tone"].mean(),
                        "negative_pct": grouped["customer_tone"].apply(lambda s: (s <= NEGATIVE).mean() * 100)})
    return out.rename_axis("group").reset_index().sort_values("customer_tone").reset_index(drop=True)


def with_segments(events: EventDataset, conversations: pd.DataFrame) -> pd.DataFrame:
    """Add the customers' segment attributes (value at their first event in view) to linked conversations."""
    if not events.segments or conversations.empty:
        return conversations
    segments = customer_segments(events)
    table = segments.semi_join(_keys_table(events, conversations["customer_key"]), "customer_key").execute()
    return conversations.merge(table.astype({"customer_key": conversations["customer_key"].dtype}), on="customer_key", how="left")


def _key_type(events: EventDataset) -> str:
    """The pandas type of customer_key in the engine (integer codes for uploads, the id text for connected tables)."""
    return "string" if events.is_connected else "int64"


def _keys_table(events: EventDataset, keys: pd.Series) -> ibis.Table:
    """These customers as a table sent to the engine, to join its touchpoints against there."""
    return ibis.memtable(pd.DataFrame({"customer_key": keys.dropna().unique()}).astype({"customer_key": _key_type(events)}))


def tone_over_time(conversations: pd.DataFrame, freq: str = "week") -> pd.DataFrame:
    """Columns period (start, UTC), conversations, customer_tone (mean)."""
    scored = conversations[conversations["customer_tone"].notna() & conversations["timestamp"].notna()]
    stamps = pd.to_datetime(scored["timestamp"], utc=True).dt.tz_convert(None)
    period = stamps.dt.to_period("W" if freq == "week" else "M").dt.start_time
    grouped = scored.groupby(period)
    return pd.DataFrame({"conversations": grouped.size(), "customer_tone": grouped["customer_tone"].mean()}).rename_axis("period").reset_index()


def trajectory(conversations: pd.DataFrame) -> pd.DataFrame:
    """Average customer tone by quarter of the conversation. Columns quarter, all, worsening,
    all_conversations, worsening_conversations (conversations with a customer turn in that quarter)."""
    rows = []
    worsening = conversations[conversations["shift"] == "worsening"]
    for q in range(1, 5):
        column = f"q{q}"
        rows.append({"quarter": f"Q{q}", "all": conversations[column].mean(), "worsening": worsening[column].mean(),
                     "all_conversations": int(conversations[column].notna().sum()),
                     "worsening_conversations": int(worsening[column].notna().sum())})
    return pd.DataFrame(rows)


def most_negative(conversations: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The conversations with the lowest customer tone (their change from first to last quarter beside the word)."""
    columns = ["conversation_id", "customer_tone", "negative_share", "shift", "change", "stage_at", "channel", "timestamp", "customer_id"]
    return conversations.dropna(subset=["customer_tone"]).nsmallest(limit, "customer_tone")[columns].reset_index(drop=True)


def worst_sentences(turns: pd.DataFrame, conversation_id: str, limit: int = 3) -> pd.DataFrame:
    """The customer's most negative turns in one conversation."""
    mine = turns[(turns["conversation_id"] == conversation_id) & (turns["speaker"] == "customer") & (turns["compound"] <= NEGATIVE)]
    return mine.nsmallest(limit, "compound")[["turn_index", "text", "compound"]]


def negative_topics(turns: pd.DataFrame, conversations: pd.DataFrame, *, topics: int = 5, terms: int = 6) -> pd.DataFrame:
    """What negative customer turns are about: TF-IDF + NMF. Columns topic, top_terms, turns, example_1,
    example_2 (the two different turns most typical of the topic; example_2 empty when all its turns say the same).
    Empty with fewer than 20 negative turns."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    chosen = turns[turns["conversation_id"].isin(conversations["conversation_id"]) & (turns["speaker"] == "customer")
                   & (turns["label"] == "negative")]
    columns = ["topic", "top_terms", "turns", "example_1", "example_2"]
    if len(chosen) < 20:
        return pd.DataFrame(columns=columns)
    texts = chosen["text"].str.replace(r"\[(url|email)\]|@user", " ", regex=True)
    vectorizer = TfidfVectorizer(stop_words="english", max_features=5000, min_df=2, ngram_range=(1, 2), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b")
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        return pd.DataFrame(columns=columns)
    k = max(1, min(topics, matrix.shape[0] // 10, matrix.shape[1]))
    model = NMF(n_components=k, random_state=0, init="nndsvda", max_iter=400)
    weights = model.fit_transform(matrix)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    assigned = weights.argmax(axis=1)
    rows = []
    for t in range(k):
        members = np.where(assigned == t)[0]
        if not len(members):
            continue
        ranked_texts = (chosen["text"].iloc[i][:300] for i in members[np.argsort(-weights[members, t], kind="stable")])
        examples = list(dict.fromkeys(ranked_texts))[:2] + ["", ""]  # two different turns (the same words often recur)
        weight = model.components_[t]
        top = [i for i in np.argsort(-weight, kind="stable")[:terms] if weight[i] > weight.max() / 100]  # not the topic's unused words
        rows.append({"topic": t + 1, "top_terms": ", ".join(vocabulary[top]),
                     "turns": int(len(members)), "example_1": examples[0], "example_2": examples[1]})
    ranked = pd.DataFrame(rows, columns=columns).sort_values("turns", ascending=False, kind="stable").reset_index(drop=True)
    return ranked.assign(topic=range(1, len(ranked) + 1))  # topic 1 is the largest


def tone_outcomes(events: EventDataset, conversations: pd.DataFrame) -> pd.DataFrame:
    """Outcomes after a customer's first conversation, by its tone. Columns group, customers,
    converted_after (reached the conversion stage at or after that conversation), conversion_pct, and, when
    the stage order has a stage after conversion (retention), retained_after and retention_pct."""
    target = conversion_stage(events.stage_order)
    linked = conversations[conversations["linked"] & conversations["customer_tone"].notna()].copy()
    columns = ["group", "customers", "converted_after", "conversion_pct"]
    if not target or linked.empty:
        return pd.DataFrame(columns=columns)
    linked["ts"] = pd.to_datetime(linked["timestamp"], utc=True).dt.tz_convert(None)
    first = linked.sort_values("ts").groupby("customer_key").head(1)
    order = events.stage_order
    later = order[order.index(target) + 1] if order.index(target) + 1 < len(order) else None
    # each first conversation's customer goes to the engine; their last conversion (and retention) time comes back
    t = events.table
    mine = t.semi_join(_keys_table(events, first["customer_key"]), "customer_key")
    lasts = {"last_conversion": mine.ts.max(where=mine.stage_rank == order.index(target))}
    if later:
        lasts["last_retained"] = mine.ts.max(where=mine.stage_rank == order.index(later))
    found = mine.group_by("customer_key").aggregate(**lasts).execute()
    merged = first.merge(found.astype({"customer_key": first["customer_key"].dtype}), on="customer_key", how="left")
    merged["converted_after"] = merged["last_conversion"] >= merged["ts"]
    if later:
        merged["retained_after"] = merged["last_retained"] >= merged["ts"]
    merged["group"] = np.where(merged["customer_tone"] <= NEGATIVE, "negative", "neutral or positive")
    grouped = merged.groupby("group")
    out = pd.DataFrame({"customers": grouped.size(), "converted_after": grouped["converted_after"].sum()}).reset_index()
    out["conversion_pct"] = out["converted_after"] / out["customers"] * 100
    if later:
        out["retained_after"] = grouped["retained_after"].sum().to_numpy()
        out["retention_pct"] = out["retained_after"] / out["customers"] * 100
        columns = columns + ["retained_after", "retention_pct"]
    return out[columns]


def tone_label(value: float) -> str:
    if value != value:
        return "not scored"
    return "positive" if value >= POSITIVE else "negative" if value <= NEGATIVE else "neutral"


def conversations_in_view(events: EventDataset) -> pd.DataFrame:
    """The stored conversations the filters keep, with the customers' segment attributes (empty when none)."""
    loaded = _stored_in_view(events)
    return with_segments(events, loaded[0]) if loaded else pd.DataFrame()


def negative_topics_in_view(events: EventDataset, stage_at: str | None = None, channel: str | None = None) -> pd.DataFrame:
    """Topics of negative customer turns in the conversations in view, optionally of one stage and channel."""
    loaded = _stored_in_view(events)
    if loaded is None:
        return pd.DataFrame()
    conversations, turns = loaded
    if stage_at:
        conversations = conversations[conversations["stage_at"] == stage_at]
    if channel:
        conversations = conversations[conversations["channel"] == channel]
    return negative_topics(turns, conversations)


def tone_outcomes_in_view(events: EventDataset) -> pd.DataFrame:
    loaded = _stored_in_view(events)
    return tone_outcomes(events, loaded[0]) if loaded else pd.DataFrame()


def _stored_in_view(events: EventDataset) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(conversations the filters keep, all stored turns), or None when no transcripts are attached."""
    from .conversations import load_conversations

    loaded = load_conversations(events)
    return (in_view(events, loaded[0]), loaded[1]) if loaded else None
