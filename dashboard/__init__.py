"""Journey Lens: customer-journey analytics over Ibis (DuckDB by default).

Public API::

    from dashboard import read_events, sample_events, FilterState
    events = read_events("extract.csv")            # or sample_events()
    europe = events.filter(segments={"region": ["Europe"]}, channels=["email"])
    europe.table                                    # the canonical Ibis table
"""
from .api import read_events, reload_events, set_stage_order
from .dataset import EventDataset, apply_filters, open_dataset
from .errors import (DatasetNotFoundError, FileReadError, JourneyLensError, MappingError, NoValidRowsError,
                     OptionError, StoreError)
from .filters import FilterState
from .mapping import Mapping, propose_mapping
from .store import DatasetStore


def sample_events(store: DatasetStore | None = None) -> EventDataset:
    """The built-in sample dataset (generated and stored on first use)."""
    return open_dataset("sample", store)


__all__ = [
    "read_events", "reload_events", "set_stage_order", "sample_events", "open_dataset", "apply_filters",
    "EventDataset", "FilterState", "Mapping", "propose_mapping", "DatasetStore",
    "JourneyLensError", "FileReadError", "MappingError", "NoValidRowsError", "DatasetNotFoundError", "StoreError", "OptionError",
]
