"""Share and present: the link to this view, presentation mode, and the HTML report of the view.

``app.py`` calls :func:`share_controls` before the page runs: it draws the presentation
toggle, a slot for the link and the report button in the sidebar, and starts the
record of what this run shows. ``chart_block`` and ``key_figures`` add to the record;
the page's final ``write_url`` fills the link slot. The report is built from the
record only when its button is clicked (Streamlit's deferred download).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from ..dataset import EventDataset
from ..exports import export_file_name
from ..report import ReportChart, html_report
from .state import PRESENT_KEY, presenting, write_url as _write_url

RUN_KEY = "jl_run"

PRESENTATION_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 3.5rem 3rem 3rem; }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2rem; }
[data-testid="stMetricValue"] { font-size: 2.2rem; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem; }
[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"] * { white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 1rem; }
[data-testid="stMain"] [data-testid="stTable"] td, [data-testid="stMain"] [data-testid="stTable"] th { font-size: 1rem; }
[data-testid="stMain"] [data-testid="stTable"] table:has(th:nth-child(9)) :is(td, th) { font-size: 0.8rem; padding-left: 0.3rem; padding-right: 0.3rem; }
[data-testid="stMain"] [data-testid="stTable"], [data-testid="stMain"] [data-testid="stTable"] > div { overflow-x: auto !important; }
[data-testid="stMain"] [data-testid="stMultiSelectTagsContainer"] { flex-wrap: wrap; overflow: visible; height: auto; mask-image: none; }
[data-testid="stMain"] [data-testid="stMultiSelect"] [role="group"] { height: auto; max-height: none; }
[data-testid="stSidebar"] { min-width: 24rem; }
</style>"""


@dataclass
class RunRecord:
    """What this run of a page shows: the report is built from it."""

    page: str
    url_path: str
    dataset: EventDataset
    charts: list[ReportChart] = field(default_factory=list)
    key_figures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    link: str | None = None
    link_slot: object = None

    def report(self) -> bytes:
        return html_report(page=self.page, dataset=self.dataset.name, filters=self.dataset.filters.describe(), charts=list(self.charts),
                           key_figures=list(self.key_figures), notes=list(self.notes), link=self.link).encode("utf-8")


def record() -> RunRecord | None:
    return st.session_state.get(RUN_KEY)


def share_controls(page, dataset: EventDataset) -> None:
    """Sidebar: presentation toggle, the link to this view, the report button; CSS for a projector when presenting."""
    run = RunRecord(page=page.title, url_path=page.url_path, dataset=dataset)
    st.session_state[RUN_KEY] = run
    side = st.sidebar
    side.divider()
    side.markdown("**Share and present**")
    presenting()  # seeds the toggle from the link on a session's first run
    side.toggle("Presentation mode", key=PRESENT_KEY, help="Hides uploading, mapping and other editing controls and enlarges "
                "charts and text for a projector. Filters stay usable. The link keeps it (present=1).")
    run.link_slot = side.empty()
    name = export_file_name(f"journey-{page.title}-report", dataset.filters, "html")
    side.download_button("Download report (HTML)", data=run.report, file_name=name, mime="text/html", on_click="ignore",
                         key="dl_report", icon=":material/description:", width="stretch",
                         help="One self-contained file with this view's figures, charts (interactive), takeaways, filters and link; opens offline.")
    if presenting():
        st.html(PRESENTATION_CSS)


def write_url(page_keys: list[str] | None = None) -> None:
    """Put the state into the URL (defaults left out) and show the link to this view."""
    params = _write_url(page_keys)
    run = record()
    if run is None or run.link_slot is None:
        return
    run.link = view_link(run.url_path, params)
    with run.link_slot.container():
        st.caption("Link to this view (same page, filters and options):")
        st.code(run.link, language=None, wrap_lines=True)
        st.iframe(_copy_button_html(run.link), height=44)


def view_link(url_path: str, params: dict) -> str:
    """The full URL of the page with ``params`` as its query string (site-relative when the browser URL is unknown)."""
    base = st.context.url or ("/" + url_path)
    if urlsplit(base).path == "":
        base += "/"
    query = urlencode(params, doseq=True, quote_via=quote, safe="")
    return base + ("?" + query if query else "")


def _copy_button_html(link: str) -> str:
    text = json.dumps(link).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"""<!DOCTYPE html><html><body style="margin:0;background:transparent;font-family:sans-serif">
<button id="copy" style="padding:6px 14px;border-radius:8px;border:1px solid #2f6fdf;background:#2f6fdf;color:#fff;
font-size:14px;cursor:pointer">Copy link</button> <span id="done" style="font-size:13px;color:#2f9e44"></span>
<script>
const link = {text};
document.getElementById("copy").addEventListener("click", async () => {{
  try {{ await navigator.clipboard.writeText(link); }}
  catch (e) {{ const t = document.createElement("textarea"); t.value = link; document.body.appendChild(t); t.select();
             document.execCommand("copy"); t.remove(); }}
  document.getElementById("done").textContent = "Copied";
}});
</script></body></html>"""


def projector_figure(fig):
    """A copy of ``fig`` with larger text and height for presentation mode."""
    import plotly.graph_objects as go

    big = go.Figure(fig)
    big.update_layout(font=dict(size=20), height=int((fig.layout.height or 420) * 1.3), legend=dict(font=dict(size=18)))
    big.update_xaxes(tickfont=dict(size=18), title=dict(font=dict(size=20)))
    big.update_yaxes(tickfont=dict(size=18), title=dict(font=dict(size=20)))
    big.update_annotations(font=dict(size=18))
    grouped = [t for t in big.data if t.type == "bar" and t.text is not None]
    for trace in big.data:
        if "textfont" in trace:
            trace.textfont.size = 18
    if big.layout.barmode == "group" and len(grouped) >= 3:  # side-by-side labels would run into each other: turn them
        for trace in grouped:
            trace.textangle, trace.constraintext = -90, "none"
    return big


def register_chart(chart: ReportChart) -> None:
    run = record()
    if run is not None:
        run.charts.append(chart)


def key_figures(items: list[tuple[str, str, str | None]]) -> None:
    """A row of metrics (label, value, help); they are also the report's key figures. In presentation mode, rows of
    at most three, so the enlarged labels and values keep their width."""
    per_row = 3 if presenting() else len(items)
    for start in range(0, len(items), per_row):
        row = items[start:start + per_row]
        for column, (label, value, help_text) in zip(st.columns(per_row), row):
            column.metric(label, value, help=help_text)
    run = record()
    if run is not None:
        run.key_figures.extend((label, value) for label, value, _ in items)


def stand_out(notes: list[str], caption: str) -> None:
    """'What stands out': a short list of sentences (also in the report)."""
    from .errors import plain

    st.subheader("What stands out")
    st.markdown("\n".join(f"- {plain(n)}" for n in notes))
    st.caption(caption)
    run = record()
    if run is not None:
        run.notes.extend(notes)
