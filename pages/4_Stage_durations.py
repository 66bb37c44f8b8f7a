"""Stage durations: how long customers take from one stage to the next."""
import streamlit as st

from dashboard import charts, ui
from dashboard.durations import readable_duration
from dashboard.takeaways import durations_takeaway

dataset = ui.active_dataset()
st.title("Stage durations")
if not dataset.has_stages:
    st.info("This dataset has no stage column. Derive stages from touchpoints on the Data page to see durations.")
    st.stop()
with ui.guard():
    table = ui.compute("stage_durations", dataset)
if table["customers"].sum() == 0 and table["out_of_order"].sum() == 0:
    ui.no_customers(dataset.id)
    st.stop()
slowest = table[table["customers"] > 0].sort_values("median").tail(1)
ui.key_figures([("Customers with a transition", f"{int(table['customers'].max()):,}", "Most customers with both stages of one transition."),
                ("Slowest transition (median)", readable_duration(slowest["median"].iloc[0]) if len(slowest) else "—", None),
                ("Out of order", f"{int(table['out_of_order'].sum()):,}", "Customer transitions whose next stage came first.")])
how = ("Time from a customer's first touchpoint in a stage to their first touchpoint in the next stage of the stage order, "
       "unique customers who have both; customers whose next stage came first are counted as out of order and left out. "
       "Every customer with both stages counts, whatever came before, so a transition can have more customers than "
       f"the Funnel's step (which counts only customers who went through every earlier step in order). "
       f"Quantiles interpolate linearly. Filters: {dataset.filters.describe()}.")
ui.chart_block(charts.durations_box(table[table["customers"] > 0], charts.stage_colors(dataset.stage_order)), table,
               caption=how, takeaway=durations_takeaway(table), file_name="journey-stage-durations", key="durations")
readable = table.copy()
for column in ("p25", "median", "p75", "p90"):
    readable[column] = readable[column].map(readable_duration)
ui.show_table(readable, width="stretch")

transitions = [f"{a} → {b}" for a, b in zip(table["from_stage"], table["to_stage"])]
chosen = ui.choice("Distribution of one transition", "transition", transitions, transitions[0])
a, b = chosen.split(" → ")
hist = ui.compute("duration_histogram", dataset, a, b)
row = table[(table["from_stage"] == a) & (table["to_stage"] == b)].iloc[0]
if hist.empty:
    st.info("No customer made this transition in order in this view.")
else:
    ui.chart_block(charts.binned_histogram(hist, f"Time from '{a}' to '{b}'"), hist,
                   caption=f"{int(row['customers']):,} customers with both stages in order, each counted once; "
                           f"{charts.bins_note(hist)}",
                   takeaway=f"Median {readable_duration(row['median'])}; half of the customers take between "
                            f"{readable_duration(row['p25'])} and {readable_duration(row['p75'])}.",
                   file_name=f"journey-duration-{a}-to-{b}", key="hist")
if dataset.segments:
    by = ui.breakdown_choice(dataset)
    split = ui.compute("stage_durations", dataset, by=by)
    ui.show_table(split.assign(**{c: split[c].map(readable_duration) for c in ("p25", "median", "p75", "p90")}), width="stretch")
    st.caption("A customer's segment is its value at their first touchpoint in view.")
ui.show_problems()
ui.write_url(["transition", "by"])
