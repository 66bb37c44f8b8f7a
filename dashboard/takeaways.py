"""Plain-language takeaways from tidy tables: one sentence under each chart."""
from __future__ import annotations

import pandas as pd

from .durations import readable_duration


def funnel_takeaway(table: pd.DataFrame, min_customers: int = 30) -> str | None:
    """'Biggest drop-off: awareness → consideration — 477 of 1,276 customers (37%) did not continue; steepest:
    retention → advocacy, 76% of 224. Overall, …' The biggest drop-off loses the most customers; the steepest loses
    the highest share, among steps reached by at least ``min_customers`` (named only when it is another step)."""
    if len(table) < 2 or table["customers"].iloc[0] == 0:
        return None
    prev = table["customers"].shift(1)
    rate = (table["dropped"] / prev).iloc[1:]
    if rate.isna().all():
        return None
    i = table["dropped"].iloc[1:].idxmax()
    text = (f"Biggest drop-off: {table['step'].iloc[i - 1]} → {table['step'].iloc[i]} — {int(table['dropped'].iloc[i]):,} of "
            f"{int(prev.iloc[i]):,} customers ({rate.loc[i]:.0%}) did not continue")
    judged = rate[prev.iloc[1:] >= min_customers].dropna()
    if len(judged) and judged.idxmax() != i and judged.max() > rate.loc[i]:
        j = judged.idxmax()
        text += f"; steepest: {table['step'].iloc[j - 1]} → {table['step'].iloc[j]}, {judged.loc[j]:.0%} of {int(prev.iloc[j]):,}"
    return (text + f". Overall, {table['pct_of_first'].iloc[-1]:.1f}% of the {int(table['customers'].iloc[0]):,} who entered "
            f"reached {table['step'].iloc[-1]}.")


def period_words(start: pd.Timestamp, freq: str) -> str:
    """'March 2025', 'the week of 3 Mar 2025' or '3 Mar 2025' for a period starting at ``start``."""
    if freq == "month":
        return f"{start:%B %Y}"
    return f"the week of {start:%-d %b %Y}" if freq == "week" else f"{start:%-d %b %Y}"


def busiest_period_takeaway(over_time: pd.DataFrame, freq: str) -> str | None:
    """'The busiest week was the week of 3 Nov 2025, with 1,206 touchpoints; web is the largest channel.'"""
    if over_time.empty:
        return None
    by_period = over_time.groupby("period")["touchpoints"].sum()
    channels = over_time.groupby("channel")["touchpoints"].sum()
    text = f"The busiest {freq} was {period_words(by_period.idxmax(), freq)}, with {by_period.max():,} touchpoints"
    return text + (f"; {channels.idxmax()} is the largest channel." if len(channels) > 1 else ".")


def channel_mix_takeaway(mix: pd.DataFrame, stage_order: list[str]) -> str | None:
    """'Leading channel per stage: awareness: paid ads (35%); consideration: web (40%); …' in stage order."""
    if mix.empty:
        return None
    if mix["channel"].nunique() == 1:
        return f"Every touchpoint in view is {mix['channel'].iloc[0]}, in every stage."
    top = mix.loc[mix.groupby("stage")["share"].idxmax()]
    rank = {s: i for i, s in enumerate(stage_order)}
    top = top.sort_values("stage", key=lambda c: c.map(rank))
    return "Leading channel per stage: " + "; ".join(f"{r.stage}: {r.channel} ({r.share:.0%})" for r in top.itertuples()) + "."


def breakdown_takeaway(table: pd.DataFrame, test: dict) -> str | None:
    last = table.groupby("segment", sort=False).tail(1)
    judged = last[~last["too_small"]]
    if len(judged) < 2:
        return "Fewer than two segments have 30 or more customers, so no comparison is made."
    best, worst = judged.loc[judged["pct_of_first"].idxmax()], judged.loc[judged["pct_of_first"].idxmin()]
    if best["pct_of_first"] == worst["pct_of_first"]:
        return (f"All {len(judged)} segments with 30 or more customers reach {best['step']} alike: "
                f"{best['pct_of_first']:.1f}% of their entrants.")
    verdict = (f"the difference is statistically significant (chi-square p = {test['p_value']:.3f})" if test["significant"]
               else f"the difference could be chance (chi-square p = {test['p_value']:.2f})")
    return (f"{best['segment']} converts best ({best['pct_of_first']:.1f}% of {int(best['segment_size']):,}), "
            f"{worst['segment']} worst ({worst['pct_of_first']:.1f}% of {int(worst['segment_size']):,}); {verdict}.")


def cohort_takeaway(table: pd.DataFrame, freq: str, last_step: str) -> str:
    """The best entry cohort, or that none has converted yet."""
    best = table.loc[table["conversion_rate"].idxmax()]
    if best["conversion_rate"] == 0:
        return f"No {freq}'s entrants have reached '{last_step}' in this view yet."
    return f"Best cohort: {period_words(best['cohort'], freq)}, {best['conversion_rate']:.1f}% of {int(best['entered']):,} entrants."


def paths_takeaway(paths: pd.DataFrame) -> str | None:
    if paths.empty:
        return None
    top = paths.iloc[0]
    return (f"The most common path is {top['path']}: {int(top['customers']):,} customers ({top['share']:.1f}% of the view), "
            f"of whom {top['conversion_rate']:.0f}% converted.")


def durations_takeaway(table: pd.DataFrame) -> str | None:
    usable = table[table["customers"] > 0]
    if usable.empty:
        return None
    slow = usable.loc[usable["median"].idxmax()]
    text = (f"Slowest transition: {slow['from_stage']} → {slow['to_stage']}, median {readable_duration(slow['median'])} "
            f"({int(slow['customers']):,} customers; 1 in 10 take longer than {readable_duration(slow['p90'])}).")
    if table["out_of_order"].sum():
        text += f" {int(table['out_of_order'].sum()):,} customer transitions happened out of order and are not in the figures."
    return text


def tone_over_time_takeaway(table: pd.DataFrame, freq: str, min_conversations: int = 30) -> str | None:
    """The periods with the lowest and highest mean customer tone, among periods with at least
    ``min_conversations`` scored conversations (a few conversations swing a mean)."""
    judged = table[table["conversations"] >= min_conversations]
    if len(judged) < 2:
        return f"Too few {freq}s with {min_conversations} or more scored conversations to compare."
    low, high = judged.loc[judged["customer_tone"].idxmin()], judged.loc[judged["customer_tone"].idxmax()]
    return (f"Lowest tone: {period_words(low['period'], freq)} ({low['customer_tone']:+.2f}, {int(low['conversations']):,} "
            f"conversations); highest: {period_words(high['period'], freq)} ({high['customer_tone']:+.2f}, "
            f"{int(high['conversations']):,}).")
