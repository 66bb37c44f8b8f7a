"""Funnel page parts: the counting rule in words, cohorts, time to convert and the drill-down."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import charts
from ..customers import conversion_stage
from ..durations import bin_days
from ..funnel import segment_test
from ..takeaways import breakdown_takeaway, cohort_takeaway
from .cache import compute
from .common import chart_block, download_csv, show_table
from .errors import plain
from .options import breakdown_choice, choice


def counting_rule(order: str, window_days: int, filters: str, entered: int, first_step: str) -> str:
    rule = ("Ordered: each step must come at or after the previous one" if order == "ordered"
            else "Any order: a step counts once the customer has all steps up to it")
    window = f"within {window_days} days of entering" if window_days else "no time window"
    return (f"Counts unique customers. {rule}; {window}. Entry = first '{first_step}' touchpoint; "
            f"percentages are of the {entered:,} who entered. Filters: {filters}.")


def share_help(dataset, steps: list[str]) -> str:
    """What the funnel's headline share counts, and how it differs from the Overview's conversion rate."""
    text = f"Customers who reached '{steps[-1]}' ÷ customers who entered at '{steps[0]}'."
    target = conversion_stage(dataset.stage_order)
    if target:
        text += (f" Not the Overview's conversion rate, which is every customer in view who reached '{target}' "
                 "÷ every customer in view.")
    return text


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Step": table["step"], "Customers": table["customers"],
                         "% of step 1": table["pct_of_first"].map(_percent),
                         "% of previous": table["pct_of_previous"].map(_percent),
                         "Dropped": table["dropped"]})


def _percent(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1f}%"


def breakdown(dataset, steps, options, how) -> None:
    """Side-by-side funnels per value of one segment attribute, with the chi-square verdict."""
    if not dataset.segments:
        st.info("This dataset has no segment attributes to break down by.")
        return
    attribute = breakdown_choice(dataset)
    table = compute("funnel_breakdown", dataset, attribute, steps, **options)
    chart_block(charts.breakdown_chart(table, steps), table,
                caption=f"% of each segment's entrants reaching each step; a customer's segment is its value at their first touchpoint. "
                        f"Segments under 30 customers are flagged as too small to judge. {how}",
                takeaway=breakdown_takeaway(table, segment_test(table)), file_name=f"journey-funnel-by-{attribute}", key="breakdown")
    small = table.loc[table["too_small"], "segment"].unique()
    if len(small):
        st.caption(plain(f"Too small to judge (under 30 customers): {', '.join(map(str, small))}."))


def cohorts(dataset, steps, options, how) -> None:
    freq = choice("Cohort", "cohort", ["week", "month"], "month", widget="segmented_control")
    table = compute("conversion_over_time", dataset, steps, freq=freq, **options)
    if table.empty:
        st.info("No customers entered the funnel in this view.")
        return
    chart_block(charts.cohort_chart(table, steps[-1]), table,
                caption=f"Conversion to '{steps[-1]}' by {freq} of entry (UTC). Recent cohorts are still in progress: their rate can still rise. {how}",
                takeaway=cohort_takeaway(table, freq, steps[-1]),
                file_name=f"journey-conversion-by-{freq}", key="cohorts")


def time_to_convert(dataset, steps, options) -> None:
    table = compute("time_to_convert", dataset, steps, **options)
    if table.empty:
        st.info(f"No customer reached '{plain(steps[-1])}' in this view.")
        return
    days = table["seconds"] / 86400
    bins = bin_days(days)
    chart_block(charts.binned_histogram(bins, f"Time from '{steps[0]}' to '{steps[-1]}'"), table.assign(days=days),
                caption=f"Customers who reached the last step, '{steps[-1]}', only ({len(table):,} customers): time from entering at "
                        f"'{steps[0]}' to reaching '{steps[-1]}'; {charts.bins_note(bins)}",
                takeaway=f"Half of the customers who reached '{steps[-1]}' took {days.median():.1f} days or less; 1 in 10 took more than {days.quantile(0.9):.1f} days.",
                file_name="journey-time-to-convert", key="ttc")


def drill_down(dataset, steps, options) -> None:
    labels = [f"{i}. {s}" for i, s in enumerate(steps[:-1], start=1)]
    picked = choice("After step", "drill", list(range(1, len(steps))), 1, format_func=lambda i: labels[i - 1])
    outcome = choice("Show customers who", "outcome", ["dropped", "continued"], "dropped", widget="radio", horizontal=True,
                     format_func=lambda o: f"stopped after step {picked}" if o == "dropped" else f"went on past step {picked}")
    table = compute("step_customers", dataset, picked, steps, outcome=outcome, **options)
    st.caption(plain(f"{len(table):,} customers reached step {picked} ({steps[picked - 1]}) and "
                     f"{'did not reach' if outcome == 'dropped' else 'reached'} step {picked + 1} ({steps[picked]})."))
    show_table(table.head(1000))
    download_csv("Download the list (CSV)", table, what=f"journey-funnel-{outcome}-after-step-{picked}", key="dl_drill")
