"""Plotly figures from tidy tables, with one colour per stage and per channel on every page."""
from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import pandas as pd

PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Vivid
STAGE_PALETTE = ["#4C78A8", "#72B7B2", "#54A24B", "#EECA3B", "#F58518", "#E45756", "#B279A2", "#9D755D"]
KNOWN_CHANNELS = ["web", "email", "paid ads", "social", "app", "chatbot", "call centre", "store"]


def stage_colors(order: list[str]) -> dict[str, str]:
    return {stage: STAGE_PALETTE[i % len(STAGE_PALETTE)] for i, stage in enumerate(order)}


def channel_colors(channels: list[str]) -> dict[str, str]:
    """Known channels keep fixed colours; others follow in alphabetical order."""
    ordered = [c for c in KNOWN_CHANNELS if c in channels] + sorted(c for c in channels if c not in KNOWN_CHANNELS)
    fixed = {c: PALETTE[KNOWN_CHANNELS.index(c)] for c in KNOWN_CHANNELS}
    extra = iter(PALETTE[len(KNOWN_CHANNELS):] * 10)
    return {c: fixed.get(c) or next(extra) for c in ordered}


def _style(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=dict(size=14),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, title=None))
    return fig


def touchpoints_over_time(table: pd.DataFrame, colors: dict[str, str]) -> go.Figure:
    fig = px.bar(table, x="period", y="touchpoints", color="channel", color_discrete_map=colors,
                 labels={"period": "", "touchpoints": "Touchpoints"})
    return _style(fig)


def channel_mix(table: pd.DataFrame, colors: dict[str, str], stage_order: list[str]) -> go.Figure:
    fig = px.bar(table, x="share", y="stage", color="channel", orientation="h", color_discrete_map=colors,
                 category_orders={"stage": stage_order}, labels={"share": "Share of the stage's touchpoints", "stage": ""},
                 custom_data=["touchpoints"])
    fig.update_traces(hovertemplate="%{y} · %{fullData.name}: %{x:.0%} (%{customdata[0]:,} touchpoints)<extra></extra>")
    fig.update_xaxes(tickformat=".0%")
    return _style(fig)
