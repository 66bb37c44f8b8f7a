"""Flow: where customers go, step by step (Sankey), and the most common paths."""
import streamlit as st

from dashboard import charts, ui
from dashboard.flow import auto_rare_share, group_rare, links_from_paths, paths_table
from dashboard.journeys import DIMENSIONS
from dashboard.takeaways import paths_takeaway

dataset = ui.active_dataset()
st.title("Flow")
dimensions = [d for d in DIMENSIONS if d != "stage" or dataset.has_stages]
c = st.columns([1, 1, 1, 1])
dimension = ui.choice("Show", "dim", dimensions, dimensions[0], container=c[0], format_func=DIMENSIONS.get)
max_steps = ui.choice("Steps", "n", list(range(2, 11)), 5, container=c[1])
rare = ui.choice("Group rare into “Other”", "other", ["auto", 0, 1, 2, 5, 10], "auto", container=c[2],
                 format_func=lambda p: "Auto (at most 12 per step)" if p == "auto" else "Never" if p == 0 else f"under {p}% of a step",
                 help="Values with a small share of the customers at a step are drawn as one “Other” node. Auto groups only "
                      "when a step has more than 12 values, with the smallest threshold that brings every step to 12 or fewer.")
keep = ui.flag("Keep repeats", "repeats", False, container=c[3], help="Off: consecutive repeats (web → web) count as one step.")
c = st.columns([2, 1])
values = dataset.stage_order if dimension == "stage" else dataset.values(dimension)
anchor = ui.choice("Anchor on", "anchor", [""] + values, "", container=c[0],
                   format_func=lambda v: "No anchor: paths from the first touchpoint" if v == "" else v)
anchor_mode = ui.choice("Anchor is", "anchor_at", ["start", "end"], "start", container=c[1], widget="segmented_control",
                        format_func=lambda m: {"start": "where paths start", "end": "where paths lead"}[m])
with ui.guard():
    paths = ui.compute("path_counts", dataset, dimension=dimension, max_steps=max_steps, collapse_repeats=not keep,
                       anchor=anchor or None, anchor_mode=anchor_mode)
if paths.empty:
    ui.no_customers(dataset.id)
    st.stop()
total = int(paths["customers"].sum())
min_share = auto_rare_share(paths) if rare == "auto" else rare / 100
links = links_from_paths(group_rare(paths, min_share))
anchor_text = f" Paths {'start at' if anchor_mode == 'start' else 'lead to'} each customer's first '{anchor}'." if anchor else ""
how = (f"Each customer contributes one path of up to {max_steps} steps by {DIMENSIONS[dimension].lower()}, in time order"
       f"{'' if keep else ', consecutive repeats collapsed'}; 'End' = the path stops. Unique customers; shares are of the "
       f"{total:,} customers in view.{anchor_text}{f' Values under {min_share:.0%} of a step are grouped into “Other”.' if min_share else ''} "
       f"Filters: {dataset.filters.describe()}.")
colors = charts.stage_colors(dataset.stage_order) | charts.channel_colors(dataset.values("channel"))
top = paths_table(paths, limit=20)
ui.key_figures([("Customers in view", f"{total:,}", "Each customer contributes one path."), ("Distinct paths", f"{len(paths):,}", None),
                ("On the most common path", f"{top['share'].iloc[0]:.1f}%", "Share of the customers in view who took the most common path.")])
ui.touchpoint_filter_note(dataset)
ui.chart_block(charts.sankey_chart(links, colors, total), links, caption=how, takeaway=paths_takeaway(top),
               file_name=f"journey-flow-by-{dimension}", key="sankey")
st.subheader("Top paths")
ui.show_table(top.assign(share=top["share"].map("{:.1f}%".format), conversion_rate=top["conversion_rate"].map("{:.1f}%".format))
              .rename(columns={"share": "Share of customers", "conversion_rate": "Converted"}), width="stretch")
st.caption("Converted: share of the path's customers who reached the conversion stage (in the filtered touchpoints).")
ui.download_csv("Download the top paths (CSV)", top, what=f"journey-top-paths-by-{dimension}", key="dl_paths")
ui.show_problems()
ui.write_url(["dim", "n", "other", "repeats", "anchor", "anchor_at"])
