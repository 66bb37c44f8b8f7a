"""Data page part: connect a table that stays in Spark or a warehouse (connections set by the administrator)."""
from __future__ import annotations

import streamlit as st

from ..sources import configured_connections, connect_table
from .errors import guard
from .state import store, switch_dataset


def connect_section() -> None:
    """Shown only when the server has connections configured (JOURNEY_LENS_CONNECTION_<NAME>)."""
    names = configured_connections()
    if not names:
        return
    with st.expander("Connect a table in Spark or a warehouse"):
        st.caption("The touchpoints stay in that engine: every chart is computed there and only the results come back. "
                   "Columns are matched from their names and the first 1,000 rows.")
        with st.form("connect_table"):
            connection = st.selectbox("Connection", names)
            table = st.text_input("Table", placeholder="e.g. touchpoints, analytics.touchpoints or s3://lake/touchpoints/*.parquet")
            st.form_submit_button("Connect", type="primary", on_click=_request)
        if st.session_state.pop("jl_connect", False) and table.strip():
            name, database = table.strip(), None
            if not name.endswith(".parquet"):
                database, _, name = name.rpartition(".")
            with guard(stop=False), st.spinner("Reading the table's columns, values and date range in the engine…"):
                dataset = connect_table(connection, name, database=database or None, store=store())
                switch_dataset(dataset.id)
                st.session_state["just_loaded"] = dataset.id
                st.rerun()


def _request() -> None:
    st.session_state["jl_connect"] = True


def connected_note(manifest: dict) -> None:
    """What a connected dataset is, in the dataset's header on the Data page."""
    source = manifest.get("source", {})
    st.info(f"Connected table “{source.get('table')}” in the connection “{source.get('connection')}”: the touchpoints stay "
            "there and every chart is computed by that engine. Attached transcripts are scored in the app; joining them to the "
            "journeys runs in that engine too.",
            icon=":material/cloud:")
