"""Data: upload or import extracts, map columns, set the stage order, read the quality report, export, manage the library."""
import streamlit as st

from dashboard import ui
from dashboard.ui import connect_view, data_page, sentiment_views

dataset = ui.active_dataset()
st.title("Data")
editing = not ui.presenting()
if st.session_state.pop("just_loaded", None) == dataset.id:
    st.success(f"Loaded “{ui.plain(dataset.name)}”: {dataset.quality.get('rows_kept', 0):,} touchpoints from {dataset.quality.get('customers', 0):,} customers. It is now the active dataset on every page.")
if editing:
    left, right = st.columns([3, 2])
    with left:
        data_page.upload_section()
    with right:
        data_page.incoming_section()
        connect_view.connect_section()
    data_page.pending_mapping_section()
else:
    st.info("Presentation mode: uploading, connecting, column mapping, stage order, transcripts and the library's editing controls "
            "are hidden. Switch presentation mode off in the sidebar to change data.", icon=":material/slideshow:")
st.divider()
st.header(ui.plain(dataset.name))
if dataset.is_connected:
    connect_view.connected_note(dataset.manifest)
data_page.quality_report(dataset)
data_page.touchpoints_export(dataset)
if editing:
    data_page.mapping_editor(dataset)
    data_page.stage_order_editor(dataset)
    sentiment_views.transcripts_upload(dataset)
st.divider()
data_page.library(dataset.id, editable=editing)
