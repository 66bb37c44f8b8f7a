"""The HTML report of a view: one self-contained file (Plotly's JavaScript inlined) that opens offline.

``html_report`` takes what a page showed — its key figures and its charts with their
captions and takeaways — plus the filters in words and the share link, and returns
the page as text. All text is escaped; the charts stay interactive.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timezone

STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans KR", sans-serif; color: #1f2430;
       max-width: 1200px; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.45; background: #ffffff; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-top: 1px solid #dde2ea; padding-top: 1rem; }
.meta { color: #4a5568; margin: 0.2rem 0; } .meta b { color: #1f2430; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 0.8rem; margin: 1.5rem 0; }
.figure { border: 1px solid #dde2ea; border-radius: 8px; padding: 0.7rem 0.9rem; }
.figure .label { color: #4a5568; font-size: 0.9rem; } .figure .value { font-size: 1.6rem; font-weight: 600; }
.caption { color: #4a5568; font-size: 0.92rem; } .takeaway { font-size: 1.05rem; }
a { color: #2f6fdf; word-break: break-all; } footer { margin: 3rem 0 1rem; color: #718096; font-size: 0.85rem; }
"""


@dataclass(frozen=True)
class ReportChart:
    """One chart of the view: its title, the Plotly figure, how it counts, and what stands out."""

    title: str
    figure: object
    caption: str = ""
    takeaway: str | None = None


def html_report(*, page: str, dataset: str, filters: str, charts: list[ReportChart], key_figures: list[tuple[str, str]] = (),
                notes: list[str] = (), link: str | None = None, generated_at: datetime | None = None) -> str:
    """The report as one HTML document: title, dataset, filters in words, key figures, charts, share link, time."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    generated = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    esc = html.escape
    parts = [f"<h1>{esc(page)}</h1>", f'<p class="meta"><b>Dataset:</b> {esc(dataset)}</p>',
             f'<p class="meta"><b>Filters:</b> {esc(filters)}</p>',
             f'<p class="meta"><b>Generated:</b> {generated:%Y-%m-%d %H:%M} UTC</p>']
    if link:
        parts.append(f'<p class="meta"><b>Open this view:</b> {_link(link)}</p>')
    if key_figures:
        parts.append('<section class="figures">' + "".join(
            f'<div class="figure"><div class="label">{esc(label)}</div><div class="value">{esc(value)}</div></div>'
            for label, value in key_figures) + "</section>")
    if notes:
        parts.append("<h2>What stands out</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    for i, chart in enumerate(charts, start=1):
        figure = _light(chart.figure)
        body = pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=f"chart-{i}",
                           config={"displaylogo": False, "responsive": True})
        parts.append(f'<section class="chart"><h2>{esc(chart.title)}</h2>{body}'
                     + (f'<p class="takeaway"><b>Takeaway:</b> {esc(chart.takeaway)}</p>' if chart.takeaway else "")
                     + (f'<p class="caption">{esc(chart.caption)}</p>' if chart.caption else "") + "</section>")
    if not charts:
        parts.append("<p>This view has no charts.</p>")
    parts.append(f"<footer>Journey Lens report · {esc(dataset)} · generated {generated:%Y-%m-%d %H:%M} UTC</footer>")
    title = esc(f"{page} — {dataset} — Journey Lens")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>"
            f"<style>{STYLE}</style><script type=\"text/javascript\">{get_plotlyjs()}</script></head>"
            f"<body>{''.join(parts)}</body></html>\n")


def _link(url: str) -> str:
    """A link only for http(s) or site-relative URLs; anything else is shown as text."""
    text = html.escape(url)
    if url.startswith(("http://", "https://", "/")) and not url.startswith("//"):
        return f'<a href="{text}">{text}</a>'
    return text


def _light(fig):
    """A copy of the figure on a white template (the app's theme is not in the file)."""
    import plotly.graph_objects as go

    copy = go.Figure(fig)
    copy.update_layout(template="plotly_white")
    return copy
