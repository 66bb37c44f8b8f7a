"""Results prepared right after a load (or a new stage order), so the unfiltered view of every
page opens without scanning all the touchpoints again: the per-customer summary, the customer
ids, the default funnel's progress per customer, the default flow's path per customer and the
daily counts (which filtered views on days, channels and constant attributes also sum from).
They are kept beside the dataset (see ``EventDataset.shared``)."""
from __future__ import annotations

from .customers import customer_ids, customer_summary
from .dataset import EventDataset
from .engine import clear_persisted
from .errors import OptionError
from .flow import DEFAULT_STEPS, customer_paths, path_width
from .funnel import funnel_customers
from .rollup import daily_counts
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
