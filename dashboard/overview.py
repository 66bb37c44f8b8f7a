"""Overview figures: headline numbers, touchpoints over time, channel mix by stage."""
from __future__ import annotations

import ibis
import pandas as pd

from .dataset import EventDataset

CONVERSION_WORDS = ("conversion", "purchase", "buy", "action", "convert", "order")
FREQUENCIES = {"day": "D", "week": "W", "month": "M"}


def conversion_stage(order: list[str]) -> str | None:
    """The stage that counts as converting: the first named like conversion/purchase/buy/action, else None."""
    for stage in order:
        if any(word in stage for word in CONVERSION_WORDS):
            return stage
    return None


def kpis(events: EventDataset) -> pd.DataFrame:
    """One row: customers, touchpoints, converted (customers with a conversion-stage event),
    conversion_rate (converted / customers), median_days_to_convert (first touch → first
    conversion-stage event, converters only) and revenue (sum, NaN when no revenue column)."""
    t = events.table
    target = conversion_stage(events.stage_order)
    per_customer = t.group_by("customer_key").aggregate(
        first=t.ts.min(),
        converted_at=t.ts.min(where=t.stage == target) if target else ibis.null().cast("timestamp"),
    )
    days = (per_customer.converted_at.epoch_seconds() - per_customer.first.epoch_seconds()) / 86400
    summary = per_customer.aggregate(customers=per_customer.count(), converted=per_customer.converted_at.count(),
                                     median_days=days.median()).execute()
    totals = t.aggregate(touchpoints=t.count(), revenue=t.revenue.sum()).execute()
    customers = int(summary["customers"].iloc[0])
    converted = int(summary["converted"].iloc[0])
    return pd.DataFrame([{
        "customers": customers,
        "touchpoints": int(totals["touchpoints"].iloc[0]),
        "converted": converted,
        "conversion_rate": converted / customers if customers and target else float("nan"),
        "median_days_to_convert": float(summary["median_days"].iloc[0]) if converted else float("nan"),
        "revenue": float(totals["revenue"].iloc[0]) if events.has_revenue and pd.notna(totals["revenue"].iloc[0]) else float("nan"),
    }])


def touchpoints_over_time(events: EventDataset, *, freq: str = "week") -> pd.DataFrame:
    """Columns period (start, UTC), channel, touchpoints: touchpoints per period and channel."""
    t = events.table
    unit = {"day": "D", "week": "W", "month": "M"}[freq]
    grouped = t.group_by(period=t.ts.truncate(unit), channel=t.channel.fill_null("(none)")).aggregate(touchpoints=t.count())
    frame = grouped.execute().sort_values(["period", "channel"]).reset_index(drop=True)
    frame["touchpoints"] = frame["touchpoints"].astype("int64")
    return frame


def channel_mix_by_stage(events: EventDataset) -> pd.DataFrame:
    """Columns stage, channel, touchpoints, share (of the stage's touchpoints), stages in stage order."""
    t = events.table.filter(events.table.stage.notnull())
    frame = t.group_by(["stage", "channel"]).aggregate(touchpoints=t.count()).execute()
    if frame.empty:
        return pd.DataFrame(columns=["stage", "channel", "touchpoints", "share"])
    frame["channel"] = frame["channel"].fillna("(none)")
    frame["share"] = frame["touchpoints"] / frame.groupby("stage")["touchpoints"].transform("sum")
    rank = {s: i for i, s in enumerate(events.stage_order)}
    frame = frame.sort_values(["stage", "touchpoints"], key=lambda c: c.map(rank) if c.name == "stage" else -c)
    return frame.reset_index(drop=True)
