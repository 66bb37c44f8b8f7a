"""Building blocks every page uses: a chart with its caption, takeaway and data download."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from .errors import plain
from .state import switch_dataset


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes with spreadsheet formulas neutralised (cells starting with = + - @ tab or CR get a quote)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
    return out.to_csv(index=False).encode("utf-8")


def slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "-", text).strip("-").lower()[:60] or "data"


def chart_block(fig, table: pd.DataFrame, *, caption: str, takeaway: str | None, file_name: str, key: str) -> None:
    """The chart, a caption saying how it counts, a takeaway sentence, and the plotted table as CSV."""
    st.plotly_chart(fig, width="stretch", key=f"chart_{key}")
    st.caption(plain(caption))
    if takeaway:
        st.markdown(f"**Takeaway:** {plain(takeaway)}")
    st.download_button("Download the data (CSV)", safe_csv(table), file_name=f"{slug(file_name)}.csv", mime="text/csv",
                       key=f"csv_{key}")


def no_customers(dataset_id: str) -> None:
    """Friendly empty state with a one-click reset."""
    st.info("No customers match these filters. Widen the date range or remove a filter.", icon="🔍")
    st.button("Reset all filters", on_click=switch_dataset, args=(dataset_id,), key="reset_empty")
