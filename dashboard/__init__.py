"""Journey Lens: customer-journey analytics over Ibis (DuckDB by default).

Public API::

    from dashboard import read_events, sample_events, FilterState
    events = read_events("extract.csv")            # or sample_events()
    europe = events.filter(segments={"region": ["Europe"]}, channels=["email"])
    europe.table                                    # the canonical Ibis table

Names are imported lazily, so worker processes that only score tone stay light.
"""
from importlib import import_module

_EXPORTS = {
    "read_events": "api", "reload_events": "api", "set_stage_order": "api",
    "EventDataset": "dataset", "apply_filters": "dataset", "open_dataset": "dataset",
    "DatasetNotFoundError": "errors", "FileReadError": "errors", "JourneyLensError": "errors", "MappingError": "errors",
    "NoValidRowsError": "errors", "OptionError": "errors", "StoreError": "errors",
    "FilterState": "filters", "Mapping": "mapping", "propose_mapping": "mapping", "DatasetStore": "store",
}
__all__ = sorted([*_EXPORTS, "sample_events"])


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")


def sample_events(store=None):
    """The built-in sample dataset (generated and stored on first use)."""
    from .dataset import open_dataset

    return open_dataset("sample", store)
