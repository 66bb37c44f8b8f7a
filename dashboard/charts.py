"""Plotly figures from tidy tables, with one colour per stage and per channel on every page.

Plotly reads a few HTML tags (``<b>``, ``<a href>``, ``<br>``…) in every piece of text it draws, so
every value that comes from a file (stage, channel, segment, path step, transition names) goes
through :func:`plotly_text` first: it is shown exactly as typed, never as markup."""
from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import pandas as pd

PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Vivid
STAGE_PALETTE = ["#4C78A8", "#72B7B2", "#54A24B", "#EECA3B", "#F58518", "#E45756", "#B279A2", "#9D755D"]
KNOWN_CHANNELS = ["web", "email", "paid ads", "social", "app", "chatbot", "call centre", "store"]


def plotly_text(value: object) -> str:
    """``value`` as text Plotly shows literally (its HTML-like tags and entities escaped)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _texts(table: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A copy of ``table`` with the text columns ``columns`` made safe for Plotly (missing values kept)."""
    return table.assign(**{c: table[c].map(lambda v: v if v is None or v != v else plotly_text(v)) for c in columns if c in table})


def _keys(mapping: dict[str, str]) -> dict[str, str]:
    return {plotly_text(k): v for k, v in mapping.items()}


def stage_colors(order: list[str]) -> dict[str, str]:
    return {stage: STAGE_PALETTE[i % len(STAGE_PALETTE)] for i, stage in enumerate(order)}


NO_CHANNEL = "(none)"
NO_CHANNEL_COLOR = "#9e9e9e"


def channel_colors(channels: list[str]) -> dict[str, str]:
    """Known channels keep fixed colours; others follow in alphabetical order; "(none)" is grey.

    The same channel gets the same colour whatever else is in the list, as long as the other
    channels are the same: pass the dataset's channels, so every page and export agrees.
    """
    ordered = [c for c in KNOWN_CHANNELS if c in channels] + sorted(c for c in set(channels) if c not in KNOWN_CHANNELS and c != NO_CHANNEL)
    fixed = {c: PALETTE[KNOWN_CHANNELS.index(c)] for c in KNOWN_CHANNELS}
    extra = iter(PALETTE[len(KNOWN_CHANNELS):] * 10)
    colors = {c: fixed.get(c) or next(extra) for c in ordered}
    if NO_CHANNEL in channels:
        colors[NO_CHANNEL] = NO_CHANNEL_COLOR
    return colors


def _style(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=14),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, title=None))
    return fig


def touchpoints_over_time(table: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    fig = px.bar(_texts(table, "channel"), x="period", y="touchpoints", color="channel", color_discrete_map=_keys(colors),
                 category_orders={"channel": list(_keys(colors))}, labels={"period": "", "touchpoints": "Touchpoints"})
    return _style(fig)


def channel_mix(table: pd.DataFrame, colors: dict[str, str], stage_order: list[str]) -> go.Figure:
    fig = px.bar(_texts(table, "stage", "channel"), x="share", y="stage", color="channel", orientation="h", color_discrete_map=_keys(colors),
                 category_orders={"stage": [plotly_text(s) for s in stage_order], "channel": list(_keys(colors))},
                 labels={"share": "Share of the stage's touchpoints", "stage": ""},
                 custom_data=["touchpoints"])
    fig.update_traces(hovertemplate="%{y} · %{fullData.name}: %{x:.0%} (%{customdata[0]:,} touchpoints)<extra></extra>")
    fig.update_xaxes(tickformat=".0%")
    return _style(fig)


def funnel_chart(table: pd.DataFrame, colors: dict[str, str] | None = None) -> go.Figure:
    """Horizontal funnel: customers per step with the count and % of step 1 on each bar."""
    text = [f"{c:,} ({p:.1f}%)" for c, p in zip(table["customers"], table["pct_of_first"].fillna(0))]
    widest = max(int(table["customers"].max()), 1)
    inside = ["inside" if c / widest >= 0.25 else "outside" for c in table["customers"]]  # a narrow bar's label goes beside it
    fig = go.Figure(go.Funnel(y=table["step"].map(plotly_text), x=table["customers"], text=text, textinfo="text", textposition=inside,
                              marker=dict(color=[(colors or {}).get(s, "#4C78A8") for s in table["step"]]),
                              hovertemplate="%{y}: %{x:,} customers<extra></extra>"))
    fig.update_yaxes(automargin=True)
    return _style(fig, height=80 + 70 * len(table))


def breakdown_chart(table: pd.DataFrame, steps: list[str]) -> go.Figure:
    """Grouped bars: % of each segment's entrants reaching each step."""
    data = _texts(table, "step").assign(label=table["segment"].map(plotly_text) + " (" + table["segment_size"].map("{:,}".format) + ")")
    fig = px.bar(data, x="step", y="pct_of_first", color="label", barmode="group", text=data["pct_of_first"].map("{:.0f}%".format),
                 category_orders={"step": [plotly_text(s) for s in steps]}, labels={"pct_of_first": "% of the segment's entrants", "step": "", "label": ""},
                 color_discrete_sequence=PALETTE)
    fig.update_traces(textposition="outside", cliponaxis=False)
    fig.update_yaxes(range=[0, 118], tickvals=[0, 20, 40, 60, 80, 100])  # headroom for the labels over 100% bars
    return _style(fig, height=460)


def cohort_chart(table: pd.DataFrame, last_step: str = "the last step") -> go.Figure:
    """Customers entering per cohort (bars, left axis) and their conversion rate (line, right axis, drawn on top)."""
    fig = go.Figure()
    fig.add_bar(x=table["cohort"], y=table["entered"], name="Customers entering", marker_color="#c9d6ea",
                hovertemplate="%{x|%Y-%m-%d}: %{y:,} entered<extra></extra>")
    fig.add_scatter(x=table["cohort"], y=table["conversion_rate"], name=plotly_text(f"Reached {last_step} (%)"), mode="lines+markers", yaxis="y2",
                    line=dict(color="#2f6fdf", width=3), hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}%<extra></extra>")
    fig.update_layout(yaxis=dict(title="Customers entering", rangemode="tozero", tickformat=",d"),
                      yaxis2=dict(title=plotly_text(f"Reached {last_step} (%)"), overlaying="y", side="right", showgrid=False, rangemode="tozero",
                                  tickmode="auto", nticks=6, ticksuffix="%"))
    return _style(fig)


def binned_histogram(table: pd.DataFrame, label: str) -> go.Figure:
    """Bars per bin of ``bin_days`` labelled as ranges ('7–14 days', 'over 210 days'), counts on the bars."""
    names = bin_labels(table)
    counts = table["customers"].map("{:,}".format) if len(table) <= 16 else None  # more bars: counts only on hover
    fig = go.Figure(go.Bar(x=names, y=table["customers"], marker_color="#4C78A8", text=counts,
                           textposition="outside", cliponaxis=False, hovertemplate="%{x}: %{y:,} customers<extra></extra>"))
    fig.update_layout(xaxis_title=plotly_text(label), yaxis_title="Customers", bargap=0.08)
    fig.update_xaxes(type="category")
    return _style(fig, height=380)


def bins_note(table: pd.DataFrame) -> str:
    """How ``bin_days`` binned: the width, and what the open last bar gathers."""
    labels = bin_labels(table)
    note = f"bars of equal width ({labels[0].replace('0–', '', 1)}), each including its upper end."
    if table["bin_end_days"].iloc[-1] == float("inf"):
        note += f" The last bar gathers the slowest customers ({labels[-1]}: {int(table['customers'].iloc[-1]):,})."
    return note


def bin_labels(table: pd.DataFrame) -> list[str]:
    """'0–6 h', '6–12 h' for bins under a day wide, '0–7 days' otherwise; the open last bin 'over 210 days'."""
    if table.empty:
        return []
    width = float(table["bin_end_days"].iloc[0] - table["bin_start_days"].iloc[0])
    hours = width < 1

    def number(days: float) -> str:
        value = days * 24 if hours else days
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"

    unit = "h" if hours else "days"
    return [f"over {number(a)} {unit}" if b == float("inf") else f"{number(a)}–{number(b)} {unit}"
            for a, b in zip(table["bin_start_days"], table["bin_end_days"])]


def sankey_chart(links: pd.DataFrame, colors: dict[str, str], total: int) -> go.Figure:
    """Sankey with one column of nodes per step; hovers show customers and their share of the view."""
    nodes: dict[tuple[int, str], int] = {}
    for row in links.itertuples(index=False):
        nodes.setdefault((row.step, row.source), len(nodes))
        nodes.setdefault((row.step + 1, row.target), len(nodes))
    inflow: dict[tuple[int, str], int] = {}
    for row in links.itertuples(index=False):
        inflow[(row.step + 1, row.target)] = inflow.get((row.step + 1, row.target), 0) + row.customers
        if row.step == 1:
            inflow[(1, row.source)] = inflow.get((1, row.source), 0) + row.customers
    last = max((k[0] for k in nodes), default=1)
    keys = list(nodes)
    # plotly draws the last step's labels left of its nodes, over the labels of the step before: they are drawn
    # instead as annotations right of the nodes, in a strip kept free beside the Sankey
    right = 0.84 if last > 1 else 1.0
    labels = ["" if s == last and last > 1 else plotly_text(v) for s, v in keys]
    node_colors = [colors.get(v, "#bbbbbb" if v in ("End", "Other") else "#8c9bb5") for _, v in keys]
    x = [0.001 + 0.998 * (s - 1) / max(last - 1, 1) for s, _ in keys]
    fullest = max(sum(1 for k in keys if k[0] == step) for step in {s for s, _ in keys}) if keys else 1
    height = max(560, 100 + 60 * fullest)  # room for every node's label when a step has many values
    pad = 14
    y = _stacked_y(keys, inflow, pad / (height - 50))
    custom = [f"step {s}: {inflow.get((s, v), 0):,} customers ({inflow.get((s, v), 0) / total:.1%})" if total else "" for s, v in keys]
    fig = go.Figure(go.Sankey(
        arrangement="snap", domain=dict(x=[0, right], y=[0, 1]),
        node=dict(label=labels, color=node_colors, x=x, y=y, pad=pad, thickness=18, customdata=custom,
                  hovertemplate="%{label} — %{customdata}<extra></extra>"),
        link=dict(source=[nodes[(r.step, r.source)] for r in links.itertuples()],
                  target=[nodes[(r.step + 1, r.target)] for r in links.itertuples()],
                  value=links["customers"].tolist(),
                  customdata=[f"{c / total:.1%}" if total else "" for c in links["customers"]],
                  hovertemplate="%{source.label} → %{target.label}: %{value:,} customers (%{customdata} of the view)<extra></extra>",
                  color="rgba(120,140,170,0.25)"),
    ))
    if last > 1:
        for (s, v), centre in zip(keys, y):
            if s == last:
                fig.add_annotation(x=right + 0.005, y=1 - centre, xref="paper", yref="paper", xanchor="left", yanchor="middle", showarrow=False,
                                   text=plotly_text(v), font=dict(size=13, color="#444"))
    return _style(fig, height=height)


def _stacked_y(keys: list[tuple[int, str]], size: dict[tuple[int, str], int], pad: float) -> list[float]:
    """Vertical centre of each node: nodes of a step stacked by size, "Other" and "End" at the bottom.

    ``pad`` is the gap between nodes as a fraction of the plot's height. Plotly draws every node at the same
    scale (height per customer), the one at which the fullest column fits with its gaps; the centres follow it,
    so no column runs off the bottom."""
    columns = {}
    for step in {s for s, _ in keys}:
        columns[step] = sorted((k for k in keys if k[0] == step), key=lambda k: (k[1] in ("Other", "End"), -size.get(k, 0), k[1]))
    scale = min((1 - pad * (len(c) - 1)) / max(sum(size.get(k, 0) for k in c), 1) for c in columns.values())
    positions = {}
    for column in columns.values():
        top = 0.0
        for k in column:
            height = size.get(k, 0) * scale
            positions[k] = min(max(top + height / 2, 0.001), 0.999)
            top += height + pad
    return [positions[k] for k in keys]


def durations_box(table: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    """One box per transition from its quantiles (days): box p25–p75, line at the median, whisker to p90."""
    fig = go.Figure()
    for row in table.itertuples(index=False):
        name = plotly_text(f"{row.from_stage} → {row.to_stage}")
        days = [v / 86400 for v in (row.p25, row.median, row.p75, row.p90)]
        fig.add_trace(go.Box(x=[name], name=name, q1=[days[0]], median=[days[1]], q3=[days[2]], lowerfence=[days[0]], upperfence=[days[3]],
                             marker_color=colors.get(row.to_stage, "#4C78A8"), boxpoints=False, orientation="v",
                             hoverinfo="skip"))
        fig.add_annotation(x=name, y=days[3], text=f"median {days[1]:.1f} d · n={row.customers:,}", showarrow=False, yshift=14)
    fig.update_layout(yaxis_title="Days (box p25–p75, line median, whisker p90)", showlegend=False)
    return _style(fig, height=460)


TONE_SCALE = [[0, "#d73027"], [0.5, "#f7f7f7"], [1, "#1a9850"]]


def tone_distribution_chart(table: pd.DataFrame) -> go.Figure:
    centres = (table["bin_start"] + table["bin_end"]) / 2
    fig = go.Figure()
    fig.add_bar(x=centres, y=table["customer"], name="Customer tone", marker_color="#2f6fdf", width=0.045, offset=-0.045)
    fig.add_bar(x=centres, y=table["agent"], name="Agent tone", marker_color="#b0b7c3", width=0.045, offset=0)
    fig.update_layout(xaxis=dict(title="Tone (−1 negative … +1 positive)", range=[-1.05, 1.05]), yaxis_title="Conversations")
    return _style(fig, height=380)


def tone_by_chart(table: pd.DataFrame, label: str) -> go.Figure:
    text = [f"{t:+.2f} · {n:,} conv." for t, n in zip(table["customer_tone"], table["conversations"])]
    fig = go.Figure(go.Bar(x=table["customer_tone"], y=table["group"].map(plotly_text), orientation="h", text=text, textposition="outside",
                           marker=dict(color=table["customer_tone"], colorscale=TONE_SCALE, cmin=-0.6, cmax=0.6), cliponaxis=False,
                           hovertemplate="%{y}: mean tone %{x:+.2f}<extra></extra>"))
    fig.update_layout(xaxis=dict(title="Mean customer tone", range=[-1, 1], zeroline=True),
                      yaxis=dict(title=plotly_text(label), automargin=True, autorange="reversed"))
    return _style(fig, height=120 + 45 * len(table))


def tone_over_time_chart(table: pd.DataFrame) -> go.Figure:
    fig = go.Figure(go.Scatter(x=table["period"], y=table["customer_tone"], mode="lines+markers", line=dict(color="#2f6fdf", width=3),
                               customdata=table["conversations"], hovertemplate="%{x|%Y-%m-%d}: %{y:+.2f} (%{customdata:,} conversations)<extra></extra>"))
    fig.update_layout(yaxis=dict(title="Mean customer tone", range=[-1, 1]))
    return _style(fig, height=360)


def trajectory_chart(table: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=table["quarter"], y=table["all"], name="All conversations", mode="lines+markers", line=dict(color="#2f6fdf", width=3))
    fig.add_scatter(x=table["quarter"], y=table["worsening"], name="Worsening conversations", mode="lines+markers", line=dict(color="#d73027", width=3))
    fig.update_layout(yaxis=dict(title="Mean customer tone", range=[-1, 1]), xaxis_title="Quarter of the conversation")
    return _style(fig, height=360)
