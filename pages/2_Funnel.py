"""Funnel: customers reaching each step, breakdown by segment, cohorts, time to convert, drill-down."""
from datetime import timedelta

import streamlit as st

from dashboard import charts, ui
from dashboard.journeys import default_steps
from dashboard.takeaways import funnel_takeaway
from dashboard.ui import funnel_views

dataset = ui.active_dataset()
st.title("Funnel")
dimension, default = default_steps(dataset)
options = dataset.stage_order if dimension == "stage" else dataset.values("touchpoint")
c1, c2, c3 = st.columns([3, 1, 1])
steps = ui.choices("Steps", "steps", options, default, container=c1,
                   help="Pick the steps in the order customers should reach them. With Order set to 'Any order' they count in any order.")
order = ui.choice("Order", "mode", ["ordered", "any"], "ordered", container=c2,
                  format_func=lambda o: {"ordered": "In order", "any": "Any order"}[o])
window_days = ui.choice("Conversion window", "window", [0, 7, 30, 90, 180, 365], 0, container=c3,
                        format_func=lambda d: "None" if d == 0 else f"{d} days")
if len(steps) < 2:
    st.info("Choose at least two steps.")
    st.stop()
window = timedelta(days=window_days) if window_days else None
options = dict(order=order, window=window, dimension=dimension)
with ui.guard():
    table = ui.compute("funnel", dataset, steps, **options)
if table["customers"].iloc[0] == 0:
    ui.no_customers(dataset.id)
    st.stop()
ui.key_figures([("Entered the funnel", f"{int(table['customers'].iloc[0]):,}", "Unique customers who reached step 1 in view."),
                ("Reached the last step", f"{int(table['customers'].iloc[-1]):,}", None),
                ("Share reaching the last step", f"{table['pct_of_first'].iloc[-1]:.1f}%", funnel_views.share_help(dataset, steps))])
ui.touchpoint_filter_note(dataset)
how = funnel_views.counting_rule(order, window_days, dataset.filters.describe(), int(table["customers"].iloc[0]), steps[0])
ui.chart_block(charts.funnel_chart(table, charts.stage_colors(dataset.stage_order)), table, caption=how,
               takeaway=funnel_takeaway(table), file_name=f"journey-funnel-{'in-order' if order == 'ordered' else 'any-order'}", key="funnel")
ui.show_table(funnel_views.display_table(table))

tabs = ui.tabs({"breakdown": "Breakdown by segment", "cohorts": "By month or week of entry", "ttc": f"Time to reach {steps[-1]}",
                "drill": "Who dropped?"})
with tabs["breakdown"]:
    if tabs["breakdown"].open:
        funnel_views.breakdown(dataset, steps, options, how)
with tabs["cohorts"]:
    if tabs["cohorts"].open:
        funnel_views.cohorts(dataset, steps, options, how)
with tabs["ttc"]:
    if tabs["ttc"].open:
        funnel_views.time_to_convert(dataset, steps, options)
with tabs["drill"]:
    if tabs["drill"].open:
        funnel_views.drill_down(dataset, steps, options)
ui.show_problems()
ui.write_url(["steps", "mode", "window", "tab", "by", "cohort", "drill", "outcome"])
