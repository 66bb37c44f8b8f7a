"""Overview: headline numbers and touchpoints over time."""
import math

import streamlit as st

from dashboard import charts, overview, ui

dataset = ui.active_dataset()
st.title("Overview")
st.caption(ui.plain(f"{dataset.name} · {dataset.filters.describe()}"))
with ui.guard():
    numbers = overview.kpis(dataset).iloc[0]
if numbers["customers"] == 0:
    ui.no_customers(dataset.id)
    st.stop()
cols = st.columns(5)
cols[0].metric("Customers", f"{int(numbers['customers']):,}")
cols[1].metric("Touchpoints", f"{int(numbers['touchpoints']):,}")
target = overview.conversion_stage(dataset.stage_order)
cols[2].metric("Conversion rate", "—" if math.isnan(numbers["conversion_rate"]) else f"{numbers['conversion_rate']:.1%}",
               help=f"Customers with a '{target}' touchpoint ÷ all customers in view." if target else "No conversion stage in this dataset.")
cols[3].metric("Median time to convert", "—" if math.isnan(numbers["median_days_to_convert"]) else f"{numbers['median_days_to_convert']:.1f} days",
               help="From a customer's first touchpoint to their first conversion-stage touchpoint, converters only.")
cols[4].metric("Revenue", "—" if math.isnan(numbers["revenue"]) else f"{numbers['revenue']:,.0f}")

freq = st.segmented_control("Period", ["day", "week", "month"], default="week", key="overview_freq") or "week"
over_time = overview.touchpoints_over_time(dataset, freq=freq)
colors = charts.channel_colors(dataset.values("channel") + ["(none)"])
busiest = over_time.groupby("period")["touchpoints"].sum().idxmax()
ui.chart_block(charts.touchpoints_over_time(over_time, colors), over_time,
               caption=f"Counts touchpoints (events, not customers) per {freq} and channel, UTC periods. Filters: {dataset.filters.describe()}.",
               takeaway=f"The busiest {freq} started {busiest:%Y-%m-%d} with {over_time.groupby('period')['touchpoints'].sum().max():,} touchpoints.",
               file_name=f"journey-touchpoints-by-{freq}", key="over_time")
