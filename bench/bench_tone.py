"""Tone benchmark: scoring N turns (default 1M) with two processes, beside a naive one-process loop.

Two inputs: 'repetitive' (turns drawn from the sample's phrases, as call-centre scripts are) and
'all distinct' (every turn unique). Run: ``python bench/bench_tone.py [--turns N]``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.sample import AGENT, CLOSERS, MIDDLES, OPENERS  # noqa: E402
from dashboard.tone import score_turns  # noqa: E402

PHRASES = [p for group in (OPENERS, MIDDLES, CLOSERS) for ps in group.values() for p in ps] + AGENT


def turns(n: int, distinct: bool, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(PHRASES), n)
    text = [PHRASES[i] for i in picks]
    if distinct:
        text = [f"{t} Order {i} was {['late', 'fine', 'great', 'missing'][i % 4]}." for i, t in enumerate(text)]
    return pd.DataFrame({"conversation_id": np.arange(n) // 8, "turn_index": np.arange(n) % 8 + 1,
                         "speaker": np.where(np.arange(n) % 2, "agent", "customer"), "text": text})


def naive(frame: pd.DataFrame) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    [analyzer.polarity_scores(t)["compound"] for t in frame["text"]]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=100_000, help="turns the naive loop scores (its time is scaled)")
    args = parser.parse_args()
    print("| input | turns | Journey Lens s | turns/s | naive one-process s (whole turn, no reuse) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, distinct in (("repetitive", False), ("all distinct", True)):
        frame = turns(args.turns, distinct)
        start = time.perf_counter()
        score_turns(frame)
        ours = time.perf_counter() - start
        sample = frame.head(args.naive_sample)
        theirs = naive(sample) * len(frame) / len(sample)
        print(f"| {name} | {len(frame):,} | {ours:.1f} | {len(frame) / ours:,.0f} | {theirs:.1f} (from {len(sample):,}) | {theirs / ours:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
