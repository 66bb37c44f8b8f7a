"""Bounded cache of analytics results, keyed by dataset version, filters and options."""
from __future__ import annotations

import dataclasses
import threading

import duckdb
import streamlit as st

from .. import durations, exports, flow, funnel, overview, sentiment
from ..dataset import EventDataset, open_dataset
from ..engine import computation
from ..filters import FilterState
from ..prepare import warm_query_shapes
from .state import store

ANALYTICS = {
    "kpis": overview.kpis,
    "touchpoints_over_time": overview.touchpoints_over_time,
    "channel_mix_by_stage": overview.channel_mix_by_stage,
    "segment_conversion": overview.segment_conversion,
    "funnel": funnel.funnel,
    "funnel_breakdown": funnel.funnel_breakdown,
    "conversion_over_time": funnel.conversion_over_time,
    "time_to_convert": funnel.time_to_convert,
    "step_customers": funnel.step_customers,
    "path_counts": flow.path_counts,
    "stage_durations": durations.stage_durations,
    "duration_histogram": durations.duration_histogram,
    "conversations_in_view": sentiment.conversations_in_view,
    "negative_topics_in_view": sentiment.negative_topics_in_view,
    "tone_outcomes_in_view": sentiment.tone_outcomes_in_view,
    "touchpoint_count": exports.touchpoint_count,
}


@st.cache_data(max_entries=400, ttl=3600, show_spinner=False)
def _run(name: str, dataset_id: str, version: str, fields: tuple, args: tuple, options: tuple):
    state = FilterState(*fields)  # exactly the filters of the view (never re-read leniently from a URL)
    with computation():  # the shared tables it reads stay while it runs
        try:
            return ANALYTICS[name](open_dataset(dataset_id, store()).filter(state), *args, **dict(options))
        except duckdb.CatalogException:  # a table dropped by something outside the engine's budgets: once more
            return ANALYTICS[name](open_dataset(dataset_id, store()).filter(state), *args, **dict(options))


def _version(dataset: EventDataset) -> str:
    return f"{dataset.manifest.get('updated_at')}|{'/'.join(dataset.stage_order)}|{dataset.manifest.get('transcripts', {}).get('attached_at')}"


def compute(name: str, dataset: EventDataset, *args, **options):
    """Run analytics function ``name`` on ``dataset`` (with its filters), served from cache when repeated."""
    fields = tuple(getattr(dataset.filters, f.name) for f in dataclasses.fields(FilterState))
    return _run(name, dataset.id, _version(dataset), fields, tuple(args), tuple(sorted(options.items())))


@st.cache_resource(max_entries=32, show_spinner=False)
def _readied(dataset_id: str, version: str, _dataset: EventDataset) -> threading.Thread:
    thread = threading.Thread(target=warm_query_shapes, args=(_dataset.unfiltered(),),
                              name=f"journey-lens-ready-{dataset_id}", daemon=True)
    thread.start()
    return thread


def ready_filtered_views(dataset: EventDataset) -> None:
    """Once per dataset version and server process, compile the queries of filtered views in the background
    (``dashboard.prepare.warm_query_shapes``), so the first filter a user picks is answered as fast as the next."""
    _readied(dataset.id, _version(dataset), dataset)
