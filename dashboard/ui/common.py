"""Building blocks every page uses: a chart with its caption, takeaway and exports (CSV of the data, PNG of the chart)."""
from __future__ import annotations

import threading
import warnings
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ..exports import DECK_SIZE, ExportInfo, chart_png, csv_bytes, export_file_name, slug
from ..report import ReportChart
from .errors import plain
from .share import projector_figure, record, register_chart
from .state import presenting, switch_dataset

_PNG_LOCK = threading.Lock()


def about(title: str) -> tuple[str, str, str]:
    """Title, dataset name and filters in words for a file made later (``ExportInfo.now(*about(title))`` at click time)."""
    run = record()
    if run is None:
        return title, "", ""
    return f"{run.page} · {title}", run.dataset.name, run.dataset.filters.describe()


def _file_name(what: str, extension: str) -> str:
    run = record()
    if run is None:
        return f"{slug(what) or 'journey-data'}.{extension}"
    return export_file_name(what, run.dataset.filters, extension)


def title_from(what: str) -> str:
    """'journey-channel-mix-by-stage' → 'Channel mix by stage'."""
    words = slug(what.removeprefix("journey-"), 80).replace("-", " ")
    return words[:1].upper() + words[1:]


def download_csv(label: str, table: pd.DataFrame, *, what: str, key: str, container=None) -> None:
    """A CSV download of ``table`` (made on click) whose file name and first lines say what it holds."""
    (container or st).download_button(label, data=partial(_csv_now, table, about(title_from(what))), file_name=_file_name(what, "csv"),
                                      mime="text/csv", key=key, on_click="ignore", icon=":material/table:")


def _csv_now(table: pd.DataFrame, context: tuple[str, str, str]) -> bytes:
    return csv_bytes(table, ExportInfo.now(*context))


def render_png(fig: go.Figure, title: str, context: tuple[str, str, str]) -> bytes:
    """The chart as a slide-sized PNG; one warm Chromium (kaleido) serves all requests of this server, one at a time."""
    import kaleido

    info = ExportInfo.now(*context)
    footer = f"{info.dataset} · Filters: {info.filters} · Generated {info.generated} · Journey Lens"
    with _PNG_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        kaleido.start_sync_server(silence_warnings=True)
        return chart_png(fig, title=title, footer=footer)


def chart_block(fig, table: pd.DataFrame, *, caption: str, takeaway: str | None, file_name: str, key: str,
                title: str | None = None) -> None:
    """The chart, a caption saying how it counts, a takeaway sentence, and its exports (data as CSV, chart as PNG).

    ``file_name`` names the content ('journey-funnel'); the period and filters are added to it.
    A ``title`` is shown above the chart; the chart is also recorded for the HTML report.
    """
    if title:
        st.subheader(plain(title))
    title = title or title_from(file_name)
    register_chart(ReportChart(title=title, figure=fig, caption=caption, takeaway=takeaway))
    st.plotly_chart(projector_figure(fig) if presenting() else fig, width="stretch", key=f"chart_{key}")
    st.caption(plain(caption))
    if takeaway:
        st.markdown(f"**Takeaway:** {plain(takeaway)}")
    if presenting():
        return
    row = st.container(horizontal=True)
    download_csv("Data (CSV)", table, what=file_name, key=f"csv_{key}", container=row)
    row.download_button(f"Chart (PNG {DECK_SIZE[0]}×{DECK_SIZE[1]})", data=partial(render_png, fig, title, about(title)),
                          file_name=_file_name(file_name, "png"), mime="image/png", key=f"png_{key}", on_click="ignore",
                          icon=":material/image:", help="A slide-sized image with the title, filters and generation time.")


def no_customers(dataset_id: str) -> None:
    """Friendly empty state with a one-click reset."""
    st.info("No customers match these filters. Widen the date range or remove a filter.", icon="🔍")
    st.button("Reset all filters", on_click=switch_dataset, args=(dataset_id,), key="reset_empty")
