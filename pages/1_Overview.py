"""Overview: headline numbers, touchpoints over time by channel, channel mix by stage, what stands out."""
import math

import streamlit as st

from dashboard import charts, ui
from dashboard.customers import conversion_stage
from dashboard.overview import what_stands_out
from dashboard.takeaways import busiest_period_takeaway, channel_mix_takeaway

dataset = ui.active_dataset()
st.title("Overview")
st.caption(ui.plain(f"{dataset.name} · {dataset.filters.describe()}"))
with ui.guard():
    numbers = ui.compute("kpis", dataset).iloc[0]
if numbers["customers"] == 0:
    ui.no_customers(dataset.id)
    st.stop()
target = conversion_stage(dataset.stage_order)
nan = math.isnan
ui.key_figures([
    ("Customers", f"{int(numbers['customers']):,}", "Unique customers with at least one touchpoint in view."),
    ("Touchpoints", f"{int(numbers['touchpoints']):,}", None),
    ("Conversion rate", "—" if nan(numbers["conversion_rate"]) else f"{numbers['conversion_rate']:.1%}",
     f"Customers with a '{target}' touchpoint ÷ all customers in view." if target else "No conversion stage in this dataset."),
    ("Median time to convert", "—" if nan(numbers["median_days_to_convert"]) else f"{numbers['median_days_to_convert']:.1f} days",
     "From a customer's first touchpoint to their first conversion-stage touchpoint, converters only."),
    ("Revenue", "—" if nan(numbers["revenue"]) else ui.money(numbers["revenue"], dataset.revenue_currency),
     "Sum of the value/revenue column in view" + (f" (written in {dataset.revenue_currency} in the file)." if dataset.revenue_currency else ".")),
])
ui.touchpoint_filter_note(dataset)
if dataset.has_stages:
    notes = what_stands_out(ui.compute("funnel", dataset), ui.compute("stage_durations", dataset), ui.compute("segment_conversion", dataset))
    if notes:
        ui.stand_out(notes, "Drop-off: ordered funnel over the stage order, unique customers. Segments under 30 customers are not judged.")

freq = ui.choice("Period", "period", ["day", "week", "month"], "week", widget="segmented_control")
over_time = ui.compute("touchpoints_over_time", dataset, freq=freq)
colors = charts.channel_colors(dataset.values("channel") + ["(none)"])
ui.chart_block(charts.touchpoints_over_time(over_time, colors), over_time, title="Touchpoints over time, by channel",
               caption=f"Counts touchpoints (events, not customers) per {freq} (UTC) and channel. Filters: {dataset.filters.describe()}.",
               takeaway=busiest_period_takeaway(over_time, freq),
               file_name=f"journey-touchpoints-by-{freq}", key="over_time")
if dataset.has_stages:
    mix = ui.compute("channel_mix_by_stage", dataset)
    ui.chart_block(charts.channel_mix(mix, colors, dataset.stage_order), mix, title="Channel mix by stage",
                   caption="Share of each stage's touchpoints by channel (events, not customers); each bar sums to 100%.",
                   takeaway=channel_mix_takeaway(mix, dataset.stage_order),
                   file_name="journey-channel-mix-by-stage", key="mix")
ui.show_problems()
ui.write_url(["period"])
