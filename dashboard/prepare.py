"""Results prepared right after a load (or a new stage order), so the unfiltered view of every
page opens without scanning all the touchpoints again: the per-customer summary, the customer
ids, the default funnel's progress per customer, the default flow's path per customer and the
daily counts (which filtered views on days, channels and constant attributes also sum from).
They are kept beside the dataset (see ``EventDataset.shared``).

``warm_query_shapes`` readies the other half: the queries of filtered views (see its docstring)."""
from __future__ import annotations

import logging
from datetime import date

from . import durations, flow, funnel, overview
from .customers import customer_ids, customer_summary
from .dataset import EventDataset
from .engine import clear_persisted, computation
from .errors import JourneyLensError, OptionError
from .flow import DEFAULT_STEPS, customer_paths, path_width
from .funnel import funnel_customers
from .rollup import daily_counts, touchpoints_in_view
from .store import RESULTS


def prepare_default_views(dataset: EventDataset) -> None:
    """Compute and keep the results the pages' default options start from (any old ones are dropped)."""
    clear_persisted(dataset.folder / RESULTS)
    unfiltered = dataset.unfiltered()
    customer_summary(unfiltered)
    customer_ids(unfiltered)
    daily_counts(unfiltered)
    try:
        funnel_customers(unfiltered)
    except OptionError:  # no stages and no touchpoints: the Funnel page explains instead
        pass
    customer_paths(unfiltered, dimension="stage" if unfiltered.has_stages else "channel", width=path_width(DEFAULT_STEPS))


WARMED_ATTRIBUTES = 4  # breakdowns readied for this many segment attributes at most


def warm_query_shapes(dataset: EventDataset) -> None:
    """Run the pages' default analytics once on small views of the dataset's last day.

    A filtered view's queries have the same shape whatever its filters (days, channels, segments): only the
    tables they read change, and the engine compiles each shape once per process (``dashboard.engine``).
    Running them here on small views compiles them before anyone asks: measured at 10M touchpoints, the first
    filtered Overview of a process took 0.1 s longer without it. Two views, as a filtered view's columns come
    in two kinds: without revenue when the whole dataset's daily counts answer for it (days, channels,
    constant attributes: ``dashboard.rollup``), with it otherwise (a touchpoint filter, say). The app starts it in
    the background when it opens a dataset. Best effort: a failure is logged, never shown (the pages report
    their own)."""
    try:
        views = _small_views(dataset)
        for view in views:
            _run_defaults(view)
    except Exception:  # noqa: BLE001 — readying is optional (the dataset may even have been deleted meanwhile)
        logging.getLogger(__name__).warning("readying the queries of %s failed", dataset.id, exc_info=True)


WARMED_MAX_ROWS = 200_000  # a last day with more touchpoints is not worth computing twice (a one-day extract)


def _small_views(dataset: EventDataset) -> list[EventDataset]:
    """The last day's view and, for a dataset with revenue, the same filtered on its touchpoints; none when the
    last day is not small."""
    last_day = str(dataset.quality.get("last_ts", ""))[:10]
    if dataset.is_connected or not last_day or not dataset.has_stages:
        return []
    day = date.fromisoformat(last_day)
    views = [dataset.unfiltered().filter(date_from=day, date_to=day)]
    counted = touchpoints_in_view(views[0])
    if counted is None or counted > WARMED_MAX_ROWS:
        return []
    if dataset.has_revenue and dataset.values("touchpoint"):
        views.append(views[0].filter(touchpoints=dataset.values("touchpoint")))  # every listed one: the day's are among them
    return views


def _run_defaults(view: EventDataset) -> None:
    stages = view.stage_order
    calls = [
        (overview.kpis, (), {}), (funnel.funnel, (), {}), (durations.stage_durations, (), {}),
        (overview.segment_conversion, (), {}), (overview.touchpoints_over_time, (), {}), (overview.channel_mix_by_stage, (), {}),
        (flow.path_counts, (), {}),
        *[(funnel.funnel_breakdown, (a,), {}) for a in list(view.segments)[:WARMED_ATTRIBUTES]],
        *[(durations.stage_durations, (), {"by": a}) for a in list(view.segments)[:WARMED_ATTRIBUTES]],
        *([(durations.duration_histogram, (stages[0], stages[1]), {})] if len(stages) > 1 else []),
    ]
    with computation():
        for function, args, options in calls:
            try:
                function(view, *args, **options)
            except JourneyLensError:  # e.g. an option this dataset cannot take: its page explains it
                continue
            except Exception:  # noqa: BLE001 — readying is optional; the page computes (and reports) anew
                logging.getLogger(__name__).warning("readying %s failed", function.__name__, exc_info=True)
