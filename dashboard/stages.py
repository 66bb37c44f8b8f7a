"""Stage labels and their order.

Known vocabularies are recognised; otherwise the order is proposed from the data:
stages sorted by the median position at which customers first reach them.
"""
from __future__ import annotations

import re

VOCABULARIES = {
    "lifecycle": ["awareness", "consideration", "conversion", "retention", "advocacy"],
    "decision journey": ["consider", "evaluate", "buy", "enjoy", "advocate", "bond"],
    "AIDA": ["awareness", "interest", "desire", "action"],
}
SYNONYMS = {"purchase": "conversion", "loyalty": "retention", "evaluation": "evaluate", "consideration": "consider"}


def normalise_stage(label: object) -> str | None:
    """'  Consideration ' → 'consideration' (case folded, inner spaces collapsed); blank → None."""
    if label is None:
        return None
    text = re.sub(r"\s+", " ", str(label)).strip().lower()
    return text or None


def propose_stage_order(labels: list[str], median_first_position: dict[str, float] | None = None) -> list[str]:
    """Order ``labels``: by a matching vocabulary where one fits, else by median first-reached position."""
    positions = median_first_position or {}
    by_data = sorted(labels, key=lambda s: (positions.get(s, float("inf")), s))
    best_name, best_hits = None, 0
    for name, vocabulary in VOCABULARIES.items():
        hits = sum(_vocab_index(label, vocabulary) is not None for label in labels)
        if hits > best_hits:
            best_name, best_hits = name, hits
    if not best_name or best_hits < max(2, len(labels) * 0.6):
        return by_data
    vocabulary = VOCABULARIES[best_name]
    known = sorted((l for l in labels if _vocab_index(l, vocabulary) is not None), key=lambda l: _vocab_index(l, vocabulary))
    return known + [l for l in by_data if l not in known]


def vocabulary_name(order: list[str]) -> str | None:
    """The name of the vocabulary ``order`` follows, if any."""
    for name, vocabulary in VOCABULARIES.items():
        if sum(_vocab_index(l, vocabulary) is not None for l in order) >= max(2, len(order) * 0.6):
            return name
    return None


def _vocab_index(label: str, vocabulary: list[str]) -> int | None:
    if label in vocabulary:
        return vocabulary.index(label)
    synonym = SYNONYMS.get(label)
    if synonym in vocabulary:
        return vocabulary.index(synonym)
    return None
