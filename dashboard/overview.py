"""Overview figures: headline numbers, touchpoints over time, channel mix by stage."""
from __future__ import annotations

import ibis
import pandas as pd

from .codes import NONE_CODE, decode
from .customers import conversion_stage, converted_flag, customer_summary, first_in_stage, summary_with_segments
from .dataset import EventDataset
from .errors import OptionError
from .numbers import count
from .rollup import daily_counts

FREQUENCIES = {"day": "D", "week": "W", "month": "M"}


def kpis(events: EventDataset) -> pd.DataFrame:
    """One row: customers, touchpoints, converted (customers with a conversion-stage event),
    conversion_rate (converted / customers), median_days_to_convert (first touch → first
    conversion-stage event, converters only) and revenue (sum, NaN when no revenue column)."""
    target = conversion_stage(events.stage_order)
    per_customer = customer_summary(events)
    converted_at = first_in_stage(events, per_customer, target)
    days = (converted_at.epoch_seconds() - per_customer.first_ts.epoch_seconds()) / 86400
    summary = per_customer.aggregate(customers=per_customer.count(), converted=converted_at.count(), median_days=days.median()).execute()
    daily = daily_counts(events)
    totals = daily.aggregate(touchpoints=daily.touchpoints.sum(), revenue=daily.revenue.sum()).execute()
    customers = int(summary["customers"].iloc[0])
    converted = int(summary["converted"].iloc[0])
    return pd.DataFrame([{
        "customers": customers,
        "touchpoints": count(totals["touchpoints"].iloc[0]),
        "converted": converted,
        "conversion_rate": converted / customers if customers and target else float("nan"),
        "median_days_to_convert": float(summary["median_days"].iloc[0]) if converted else float("nan"),
        "revenue": float(totals["revenue"].iloc[0]) if events.has_revenue and pd.notna(totals["revenue"].iloc[0]) else float("nan"),
    }])


def touchpoints_over_time(events: EventDataset, *, freq: str = "week") -> pd.DataFrame:
    """Columns period (start, UTC), channel, touchpoints: touchpoints per period and channel."""
    if freq not in FREQUENCIES:
        raise OptionError("freq", freq, "'day', 'week' or 'month'")
    daily = daily_counts(events)
    unit = FREQUENCIES[freq]
    period = daily.day if freq == "day" else daily.day.truncate(unit)
    grouped = daily.group_by(period=period, channel=daily.channel).aggregate(touchpoints=daily.touchpoints.sum())
    frame = grouped.execute()
    frame["channel"] = decode(events, "channel", frame["channel"])
    frame = frame.sort_values(["period", "channel"]).reset_index(drop=True)
    frame["touchpoints"] = frame["touchpoints"].astype("int64")
    return frame


def channel_mix_by_stage(events: EventDataset) -> pd.DataFrame:
    """Columns stage, channel, touchpoints, share (of the stage's touchpoints), stages in stage order."""
    daily = daily_counts(events)
    t = daily.filter(daily.stage != NONE_CODE)
    frame = t.group_by(["stage", "channel"]).aggregate(touchpoints=t.touchpoints.sum()).execute()
    if frame.empty:
        return pd.DataFrame(columns=["stage", "channel", "touchpoints", "share"])
    frame["stage"] = decode(events, "stage", frame["stage"])
    frame["channel"] = decode(events, "channel", frame["channel"])
    frame["touchpoints"] = frame["touchpoints"].astype("int64")
    frame["share"] = frame["touchpoints"] / frame.groupby("stage")["touchpoints"].transform("sum")
    rank = {s: i for i, s in enumerate(events.stage_order)}
    frame = frame.sort_values(["stage", "touchpoints"], key=lambda c: c.map(rank) if c.name == "stage" else -c)
    return frame.reset_index(drop=True)


def segment_conversion(events: EventDataset) -> pd.DataFrame:
    """Conversion by segment value, for every segment attribute. Columns: attribute, segment, customers,
    converted (reached the conversion stage), conversion_rate (%). A customer's segment is the value at
    their first event."""
    target = conversion_stage(events.stage_order)
    if not target or not events.segments:
        return pd.DataFrame(columns=["attribute", "segment", "customers", "converted", "conversion_rate"])
    summary = customer_summary(events)
    joined = summary_with_segments(events, converted=converted_flag(events, summary))
    parts = [joined.group_by(segment=joined[column].cast("string")).aggregate(
        attribute=ibis.literal(column), customers=joined.count(), converted=joined.converted.sum()) for column in events.segments]
    frame = ibis.union(*parts).execute()[["attribute", "segment", "customers", "converted"]]  # one query for every attribute
    frame["segment"] = frame["segment"].fillna("(blank)")
    frame["conversion_rate"] = frame["converted"] / frame["customers"] * 100
    return frame.sort_values(["attribute", "conversion_rate"], ascending=[True, False]).reset_index(drop=True)


def what_stands_out(funnel_table: pd.DataFrame, durations_table: pd.DataFrame | None, segments: pd.DataFrame,
                    min_customers: int = 30) -> list[str]:
    """Short sentences: largest drop-off, slowest stage, best and worst segment by conversion (with sizes)."""
    from .takeaways import durations_takeaway, funnel_takeaway

    notes = []
    drop = funnel_takeaway(funnel_table) if funnel_table is not None else None
    if drop:
        notes.append(drop.split(" Overall")[0])
    slow = durations_takeaway(durations_table) if durations_table is not None and len(durations_table) else None
    if slow:
        notes.append(slow.split(";")[0] + ").")
    judged = segments[segments["customers"] >= min_customers] if len(segments) else segments
    if len(judged) >= 2 and judged["conversion_rate"].max() == judged["conversion_rate"].min():
        notes.append(f"Every segment converts alike in this view: {judged['conversion_rate'].iloc[0]:.1f}%.")
    elif len(judged) >= 2:
        best, worst = judged.loc[judged["conversion_rate"].idxmax()], judged.loc[judged["conversion_rate"].idxmin()]
        notes.append(f"Best segment by conversion: {best['attribute']} = {best['segment']}, {best['conversion_rate']:.1f}% "
                     f"of {int(best['customers']):,} customers.")
        notes.append(f"Worst segment by conversion: {worst['attribute']} = {worst['segment']}, {worst['conversion_rate']:.1f}% "
                     f"of {int(worst['customers']):,} customers.")
    return notes
