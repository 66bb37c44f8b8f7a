"""Page options that live in the URL (funnel steps, flow dimension, …) with validated fallbacks."""
from __future__ import annotations

import streamlit as st

from .errors import plain
from .state import page_param, set_page_param

PROBLEMS_KEY = "jl_option_problems"
SLOT_KEY = "jl_option_problems_slot"  # a place at the top of the page, kept for the warning (options are read further down)


def reserve_problem_slot() -> None:
    """Keep an empty place at the top of the page where :func:`show_problems` puts its warning."""
    st.session_state[SLOT_KEY] = st.empty()


def _note(problem: str) -> None:
    st.session_state.setdefault(PROBLEMS_KEY, []).append(problem)


def option_problems() -> list[str]:
    """Page options from the link that could not be used (returned once)."""
    return st.session_state.pop(PROBLEMS_KEY, []) or []


def choice(label: str, url_key: str, options: list, default, *, widget: str = "selectbox", format_func=str,
           help: str | None = None, container=None, **widget_options):
    """A single-choice widget whose value is kept in the URL under ``url_key`` (default left out).

    ``widget_options`` go to the widget as they are (e.g. ``horizontal=True`` for a radio).
    """
    container = container or st
    widget_key = f"opt_{url_key}"
    if widget_key not in st.session_state:
        raw = page_param(url_key)
        by_text = {str(o): o for o in options}
        if raw is not None and raw not in by_text:
            _note(f"{url_key}={raw}")
        st.session_state[widget_key] = by_text.get(raw, default) if raw is not None else default
    draw = getattr(container, widget)
    value = draw(label, options, key=widget_key, format_func=format_func, help=help, **widget_options)
    if widget == "segmented_control" and value is None:
        value = default
    set_page_param(url_key, str(value), str(default))
    return value


def choices(label: str, url_key: str, options: list[str], default: list[str], *, help: str | None = None, container=None,
            placeholder: str = "Choose") -> list[str]:
    """A multiselect kept in the URL (repeated ``url_key``); selection order is kept."""
    container = container or st
    widget_key = f"opt_{url_key}"
    if widget_key not in st.session_state:
        raw = st.session_state.get("jl_page_params", {}).get(url_key)
        if raw:
            bad = [v for v in raw if v not in options]
            if bad:
                _note(f"{url_key}={','.join(bad)}")
            st.session_state[widget_key] = [v for v in raw if v in options] or list(default)
        else:
            st.session_state[widget_key] = list(default)
    value = container.multiselect(label, options, key=widget_key, help=help, placeholder=placeholder)
    set_page_param(url_key, list(value) if list(value) != list(default) else None)
    return list(value)


def flag(label: str, url_key: str, default: bool, *, help: str | None = None, container=None) -> bool:
    """A toggle kept in the URL as 1/0 (default left out)."""
    container = container or st
    widget_key = f"opt_{url_key}"
    if widget_key not in st.session_state:
        raw = page_param(url_key)
        if raw not in (None, "0", "1"):
            _note(f"{url_key}={raw}")
        st.session_state[widget_key] = default if raw not in ("0", "1") else raw == "1"
    value = container.toggle(label, key=widget_key, help=help)
    set_page_param(url_key, "1" if value else "0", "1" if default else "0")
    return bool(value)


def show_problems() -> None:
    """Warn, at the top of the page, about options in the link that were reset (call after reading them)."""
    problems = option_problems()
    slot = st.session_state.pop(SLOT_KEY, None)
    if problems:
        (slot or st).warning("Some options in the link could not be used and were reset: " + plain(", ".join(problems)) + ".")


def tabs(labels: dict[str, str], url_key: str = "tab") -> dict[str, object]:
    """Tabs whose selection is kept in the URL under ``url_key`` (an id of ``labels``, id → label; the first left out).
    Returns id → tab container; only the open one's ``.open`` is True, so hidden tabs need not be computed."""
    ids, widget_key = list(labels), f"opt_{url_key}"
    by_label = {label: tab_id for tab_id, label in labels.items()}
    if widget_key not in st.session_state:
        raw = page_param(url_key)
        if raw is not None and raw not in labels:
            _note(f"{url_key}={raw}")
        default = labels.get(raw, labels[ids[0]])
    else:
        default = st.session_state[widget_key]
    containers = st.tabs(list(labels.values()), key=widget_key, default=default, on_change="rerun")
    chosen = by_label.get(st.session_state.get(widget_key) or default, ids[0])
    set_page_param(url_key, chosen, ids[0])
    return dict(zip(ids, containers))


def breakdown_choice(dataset, label: str = "Break down by", url_key: str = "by") -> str:
    """The segment attribute to break down by, kept in the URL. When the filters pin the chosen attribute to one
    value (a breakdown would show one bar), it moves to :func:`default_breakdown` and says so."""
    widget_key = f"opt_{url_key}"
    pinned = _pinned(dataset)
    moved = st.session_state.get(widget_key) in pinned and default_breakdown(dataset) not in pinned
    if moved:
        st.session_state[widget_key] = default_breakdown(dataset)
    value = choice(label, url_key, list(dataset.segments), default_breakdown(dataset), format_func=dataset.segments.get)
    if moved:
        st.caption(plain("The filters keep one value of the attribute chosen before, so the breakdown moved to "
                         f"'{dataset.segments[value]}'."))
    return value


def default_breakdown(dataset) -> str:
    """The first segment attribute the filters leave more than one value of (a breakdown by an attribute
    filtered to one value would show a single bar)."""
    pinned = _pinned(dataset)
    return next((c for c in dataset.segments if c not in pinned), next(iter(dataset.segments)))


def _pinned(dataset) -> set[str]:
    """Segment attributes the filters keep a single value of."""
    return {column for column, values in dataset.filters.segments if len(values) == 1}
