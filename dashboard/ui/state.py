"""Session and URL state: the active dataset and the global filters, kept in the query string.

At the top of every run ``app.py`` calls :func:`resolve_state`: on the first run
of a session the URL is parsed (bad values fall back with one warning); later runs
take the state from the session. :func:`write_url` puts the state back into the
URL, so page changes and reruns keep it and a copied link restores it.
"""
from __future__ import annotations

import json

import streamlit as st

from ..dataset import EventDataset, open_dataset
from ..errors import DatasetNotFoundError, JourneyLensError
from ..filters import SAMPLE_ID, SEGMENT_PREFIX, FilterState
from ..store import DatasetStore

STATE_KEY = "jl_filters"
PAGE_KEY = "jl_page_params"
WARNED_KEY = "jl_url_warnings"
PRESENT_KEY = "jl_present"


@st.cache_resource(show_spinner=False)
def _clean_store_once() -> int:
    """Remove leftovers of interrupted loads, once per server process."""
    return DatasetStore().clean_temporary()


def store() -> DatasetStore:
    _clean_store_once()
    return DatasetStore()


def _known_values(dataset: EventDataset) -> dict[str, list[str]]:
    known = {"channel": dataset.values("channel"), "stage": dataset.values("stage"), "touchpoint": dataset.values("touchpoint")}
    known.update({column: dataset.values(column) for column in dataset.segments})
    return known


def resolve_state() -> tuple[FilterState, EventDataset]:
    """The filters and dataset for this run (from the session, or from the URL on a session's first run)."""
    if STATE_KEY not in st.session_state:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        st.session_state[PAGE_KEY] = {k: v for k, v in params.items() if not is_filter_key(k)}
        wanted = (params.get("ds") or [SAMPLE_ID])[0]
        problems = []
        try:
            dataset = open_dataset(wanted, store())
        except JourneyLensError as exc:
            problems.append(f"the dataset in the link could not be opened ({exc.message.rstrip('.')})")
            params.pop("ds", None)
            dataset = open_dataset(SAMPLE_ID, store())
        state, more = FilterState.from_query_params(params, known=_known_values(dataset), segment_columns=list(dataset.segments))
        problems += more
        st.session_state[STATE_KEY] = state
        st.session_state[WARNED_KEY] = problems
        presenting()  # read present=1 now, so a bad value is reported with the others
    state = st.session_state[STATE_KEY]
    try:
        dataset = open_dataset(state.dataset, store())
    except JourneyLensError as exc:
        state = FilterState()
        st.session_state[STATE_KEY] = state
        gone = "was deleted" if isinstance(exc, DatasetNotFoundError) else "can no longer be opened (" + exc.message.rstrip(".") + ")"
        st.session_state[WARNED_KEY] = [f"the dataset you were viewing {gone}; showing the sample instead"]
        dataset = open_dataset(SAMPLE_ID, store())
    return state, dataset.filter(state)


FILTER_KEYS = {"ds", "from", "to", "tz", "channel", "stage", "touchpoint"}


def is_filter_key(key: str) -> bool:
    return key in FILTER_KEYS or key.startswith(SEGMENT_PREFIX)


def set_filters(state: FilterState) -> None:
    st.session_state[STATE_KEY] = state


def switch_dataset(dataset_id: str) -> None:
    """Make ``dataset_id`` active with no filters (widget states are reset)."""
    st.session_state[STATE_KEY] = FilterState(dataset=dataset_id)
    for key in list(st.session_state):
        if str(key).startswith("f_"):
            del st.session_state[key]


def url_warnings() -> list[str]:
    """Problems found in the URL, returned once."""
    return st.session_state.pop(WARNED_KEY, []) or []


def page_param(key: str, default: str | None = None) -> str | None:
    """A page option from the URL (first run) or the session."""
    values = st.session_state.get(PAGE_KEY, {}).get(key)
    return values[0] if values else default


def set_page_param(key: str, value: str | list[str] | None, default: str | None = None) -> None:
    params = st.session_state.setdefault(PAGE_KEY, {})
    if value in (None, "", [], default):
        params.pop(key, None)
    else:
        params[key] = value if isinstance(value, list) else [value]


def presenting() -> bool:
    """Presentation mode (``present=1`` in the URL, or the sidebar toggle)."""
    if PRESENT_KEY not in st.session_state:
        raw = page_param("present")
        if raw not in (None, "0", "1"):
            st.session_state[WARNED_KEY] = st.session_state.get(WARNED_KEY, []) + [f"'present={raw}' is not 0 or 1"]
        st.session_state[PRESENT_KEY] = raw == "1"
    return bool(st.session_state[PRESENT_KEY])


def write_url(page_keys: list[str] | None = None) -> dict[str, object]:
    """Put the filters, this page's options and presentation mode into the URL (defaults left out); returns them."""
    state = st.session_state.get(STATE_KEY, FilterState())
    params: dict[str, object] = dict(state.to_query_params())
    page = st.session_state.get(PAGE_KEY, {})
    for key in sorted(page_keys or []):
        if page.get(key):
            params[key] = page[key]
    if st.session_state.get(PRESENT_KEY):
        params["present"] = "1"
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if current != wanted:
        st.query_params.from_dict(params)
    return params


def filters_key(state: FilterState) -> str:
    """A stable text key of the filter state, for caches."""
    return json.dumps(state.to_query_params(), sort_keys=True)


ACTIVE_KEY = "jl_active_dataset"


def set_active(dataset: EventDataset) -> None:
    st.session_state[ACTIVE_KEY] = dataset
    st.session_state["jl_app_ran"] = True


def use_app_navigation() -> None:
    """Make every run go through app.py's ``st.navigation``.

    A fresh server whose first visitor opens a page link runs that page alone (Streamlit's
    older pages-folder mode, decided before app.py runs). We switch that mode off here.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def active_dataset() -> EventDataset:
    """The dataset with the current filters, prepared by app.py for this run."""
    if ACTIVE_KEY not in st.session_state or not st.session_state.get("jl_app_ran"):
        use_app_navigation()  # the page was run without app.py: run again through it
        st.rerun()
    st.session_state["jl_app_ran"] = False
    from .options import reserve_problem_slot

    reserve_problem_slot()
    return st.session_state[ACTIVE_KEY]
