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


def no_customers(dataset_id: str, what: str = "customers") -> None:
    """Friendly empty state with a one-click reset (``what``: the things nothing matched, in plain words)."""
    st.info(f"No {what} match these filters. Widen the date range or remove a filter.", icon="🔍")
    st.button("Reset all filters", on_click=switch_dataset, args=(dataset_id,), key="reset_empty")


def touchpoint_filter_note(dataset) -> None:
    """Under the key figures: what a channel or touchpoint filter does to journeys, in plain words."""
    state = dataset.filters
    if not (state.channels or state.touchpoints):
        return
    kinds = " or ".join(state.channels) + " " if state.channels else ""
    named = " named " + " or ".join(f"'{t}'" for t in state.touchpoints) if state.touchpoints else ""
    st.caption(plain(f"Only {kinds}touchpoints{named} count in this view: a stage a customer reached through other "
                     "touchpoints (a purchase in another channel, say) is not counted. To follow whole journeys of a group "
                     "of customers, filter by a segment or by 'Customers who reached stage' instead."))


HEADERS = {  # column names of the analytics tables, as a reader sees them
    "customer_id": "Customer", "customer_key": "Customer key", "entered_at": "Entered at", "steps_reached": "Steps reached",
    "from_stage": "From", "to_stage": "To", "out_of_order": "Out of order", "p25": "p25", "p75": "p75", "p90": "p90",
    "conversation_id": "Conversation", "customer_tone": "Customer tone", "agent_tone": "Agent tone",
    "negative_share": "Negative customer turns", "shift": "Tone, first → last quarter", "stage_at": "Stage at the time",
    "top_terms": "Top terms", "example_1": "Example 1", "example_2": "Example 2", "converted_after": "Converted after",
    "conversion_pct": "Share converted after", "retained_after": "Retained after", "retention_pct": "Share retained after",
    "group": "First conversation's tone", "timestamp": "Time (UTC)",
}
PERCENT_COLUMNS = {"negative_share"}  # shares 0–1 shown as %
PERCENT_POINTS_SUFFIX = "_pct"  # columns already on a 0–100 scale, shown with a % sign


def money(value: float, sign: str | None) -> str:
    """12345.6, '€' → '€12,346'; a negative total keeps its sign first (−€5); no sign: the plain number."""
    text = f"{abs(value):,.0f}"
    return ("−" if value < 0 and text != "0" else "") + (sign or "") + text


PROJECTOR_MAX_ROWS = 30  # in presentation mode, tables up to this long are drawn as text that the larger font enlarges


def show_table(frame: pd.DataFrame, *, wrap: bool = False, **options) -> None:
    """A table for readers: headers in words, counts with thousands separators, decimals rounded, times readable.
    Columns already named for readers (anything but lower_snake_case) keep their names. ``wrap``, and in presentation
    mode any short table: drawn as plain text, long texts wrapped and at the page's font size (the interactive grid
    cuts long texts and keeps its small font)."""
    if wrap or (presenting() and len(frame) <= PROJECTOR_MAX_ROWS):
        st.table(readable_table(frame), border="horizontal", hide_index=True)
        return
    shown, config = frame.copy(), {}
    for column in frame.columns:
        label, kind = _label(column), _kind(column, frame[column])
        if kind == "time":
            values = frame[column]
            shown[column] = values.dt.tz_convert(None) if getattr(values.dt, "tz", None) is not None else values
            config[label] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
        elif kind != "text":
            config[label] = st.column_config.NumberColumn(format=GRID_FORMATS[kind])
        shown = shown.rename(columns={column: label})
    st.dataframe(shown, hide_index=True, column_config=config, **options)


GRID_FORMATS = {"share": "percent", "points": "%.1f%%", "count": "localized", "decimal": "%.2f"}
TEXT_FORMATS = {"share": "{:.0%}", "points": "{:.1f}%", "count": "{:,}", "decimal": "{:,.2f}"}


def readable_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as text with the headers and number formats of :func:`show_table` (no index)."""
    shown = pd.DataFrame(index=range(len(frame)))
    for column in frame.columns:
        values, kind = frame[column].reset_index(drop=True), _kind(column, frame[column])
        if kind == "time":
            text = values.dt.strftime("%Y-%m-%d %H:%M")
        elif kind == "text":
            text = values.astype(object)
        else:
            text = values.map(lambda v, f=TEXT_FORMATS[kind]: f.format(v) if pd.notna(v) else v)
        shown[_label(column)] = text.where(values.notna(), "—")
    return shown


def _label(column) -> str:
    return HEADERS.get(column) or (column.replace("_", " ").capitalize() if str(column).islower() else column)


def _kind(column, values: pd.Series) -> str:
    """How a column is shown: share (0–1 as %), points (0–100 with a % sign), count, decimal, time or text."""
    if column in PERCENT_COLUMNS:
        return "share"
    if str(column).endswith(PERCENT_POINTS_SUFFIX) and pd.api.types.is_numeric_dtype(values):
        return "points"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    if pd.api.types.is_float_dtype(values):
        return "decimal"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "time"
    return "text"
