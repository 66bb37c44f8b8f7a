"""Tone scoring of transcript turns with VADER, per sentence, with customer-service adjustments.

A turn's score is the mean of its sentences' VADER compound scores (−1 very negative … +1
very positive); labels: positive ≥ 0.05, negative ≤ −0.05, else neutral. A whole transcript is
never scored at once (the compound saturates on long texts). Text with no word VADER knows and
no Latin-alphabet word (Korean, other scripts, digits only) is "not scored", never neutral.

Domain adjustments (``adjust=True``, the default):
1. "no thanks", "no thank you", "don't care", "do not care", "doesn't matter" are neutral
   (VADER reads them as negative).
2. Politeness ("please", "thanks", "thank you", "appreciate", "kindly") cannot make a complaint or a
   request positive: it is removed from sentences that say something else, and a sentence that is only
   politeness ("Thanks so much!") is left out of the turn's mean when the turn has other sentences.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from multiprocessing import get_context

import numpy as np
import pandas as pd

POSITIVE, NEGATIVE = 0.05, -0.05
LABELS = ("positive", "neutral", "negative", "not scored")
NEUTRAL_PHRASES = re.compile(r"\b(no,? thanks?|no thank you|(?:do not|don'?t|doesn'?t|does not) (?:care|matter))\b", re.I)
POLITENESS = re.compile(r"\b(please|pls|thanks|thank you|thx|ty|appreciate(?:d)?|kindly)\b", re.I)
FILLER = re.compile(r"\b(so|much|very|a|lot|for|your|you|the|help|again|in|advance|all|guys|team|so much)\b", re.I)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
PARALLEL_FROM = 20_000
CHUNK = 5_000


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _has_sentiment(text: str) -> bool:
    lexicon = _analyzer().lexicon
    return any(word in lexicon for word in re.findall(r"[a-z']+", text.lower()))


def _knows_any_word(text: str) -> bool:
    analyzer = _analyzer()
    if any(ch in analyzer.emojis for ch in text):
        return True
    return bool(LATIN_WORD.search(text)) or _has_sentiment(text)


@lru_cache(maxsize=200_000)
def _sentence_score(sentence: str) -> float:
    """VADER compound of one sentence (sentences repeat a lot in service talk: each is scored once)."""
    return _analyzer().polarity_scores(sentence)["compound"]


def score_text(text: str, adjust: bool = True) -> float:
    """Mean compound of the sentences of one turn; NaN when VADER cannot score the text."""
    if not isinstance(text, str) or not text.strip() or not _knows_any_word(text):
        return float("nan")
    scores, polite_only = [], []
    for sentence in (s.strip() for s in SENTENCE.split(text)):
        if not sentence:
            continue
        if adjust:
            sentence = NEUTRAL_PHRASES.sub(" ", sentence)
            if POLITENESS.search(sentence):
                without = POLITENESS.sub(" ", sentence)
                if not FILLER.sub(" ", without).strip(" ,.!?;:-"):
                    polite_only.append(_sentence_score(sentence))
                    continue
                sentence = without
            if not sentence.strip(" ,.!?;:-"):
                scores.append(0.0)
                continue
        scores.append(_sentence_score(sentence))
    chosen = scores or polite_only
    return float(np.mean(chosen)) if chosen else 0.0


def label(compound: float) -> str:
    if compound != compound:
        return "not scored"
    return "positive" if compound >= POSITIVE else "negative" if compound <= NEGATIVE else "neutral"


def _score_chunk(args: tuple[list[str], bool]) -> list[float]:
    texts, adjust = args
    return [score_text(t, adjust) for t in texts]


def score_turns(transcripts: pd.DataFrame, *, adjust: bool = True,
                progress: Callable[[float, str], None] | None = None) -> pd.DataFrame:
    """Score every turn. Columns: conversation_id, turn_index, speaker, compound, label.

    Each distinct text is scored once; large jobs use two worker processes."""
    report = progress or (lambda fraction, text: None)
    texts = transcripts["text"].fillna("").astype(str)
    unique = list(dict.fromkeys(texts))
    chunks = [unique[i:i + CHUNK] for i in range(0, len(unique), CHUNK)]
    results: list[float] = []
    if len(unique) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
            for n, scores in enumerate(pool.map(_score_chunk, [(c, adjust) for c in chunks]), start=1):
                results.extend(scores)
                report(n / len(chunks), f"Scored {min(n * CHUNK, len(unique)):,} of {len(unique):,} distinct texts…")
    else:
        for n, chunk in enumerate(chunks, start=1):
            results.extend(_score_chunk((chunk, adjust)))
            report(n / len(chunks), f"Scored {min(n * CHUNK, len(unique)):,} of {len(unique):,} distinct texts…")
    lookup = dict(zip(unique, results))
    compound = texts.map(lookup).astype(float)
    out = transcripts[["conversation_id", "turn_index", "speaker"]].copy()
    out["compound"] = compound.to_numpy()
    out["label"] = [label(c) for c in out["compound"]]
    return out.reset_index(drop=True)


def quarter_of(turn_index: pd.Series, turns: pd.Series) -> pd.Series:
    """Quarter (1–4) of each turn by its position: turn i of n (0-based i) is in quarter ⌊4i/n⌋ + 1."""
    return (np.floor(4 * (turn_index - 1) / turns) + 1).astype(int)


def conversation_tone(scored: pd.DataFrame) -> pd.DataFrame:
    """Per conversation: customer_tone and agent_tone (means of scored turns), negative_share (share of
    scored customer turns labelled negative), q1..q4 (customer tone per quarter of the conversation,
    NaN where a quarter has no scored customer turn), change (tone of the last quarter with a customer
    turn minus that of the first) and shift (change ≥ +0.1 improving, ≤ −0.1 worsening, else steady)."""
    frame = scored.copy()
    frame["turns"] = frame.groupby("conversation_id")["turn_index"].transform("max")
    frame["quarter"] = quarter_of(frame["turn_index"], frame["turns"])
    customer = frame[(frame["speaker"] == "customer") & frame["compound"].notna()]
    agent = frame[(frame["speaker"] == "agent") & frame["compound"].notna()]
    out = pd.DataFrame(index=pd.Index(frame["conversation_id"].unique(), name="conversation_id"))
    out["customer_tone"] = customer.groupby("conversation_id")["compound"].mean()
    out["agent_tone"] = agent.groupby("conversation_id")["compound"].mean()
    out["negative_share"] = customer.assign(neg=customer["label"] == "negative").groupby("conversation_id")["neg"].mean()
    quarters = customer.pivot_table(index="conversation_id", columns="quarter", values="compound", aggfunc="mean")
    for q in range(1, 5):
        out[f"q{q}"] = quarters[q] if q in quarters.columns else np.nan
    q = out[["q1", "q2", "q3", "q4"]]
    first = q.bfill(axis=1).iloc[:, 0]
    last = q.ffill(axis=1).iloc[:, -1]
    change = last - first
    out["change"] = change
    out["shift"] = np.where(change >= 0.1, "improving", np.where(change <= -0.1, "worsening", "steady"))
    out.loc[first.isna(), "shift"] = "not scored"
    return out.reset_index()
