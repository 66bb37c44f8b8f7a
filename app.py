"""Journey Lens — entry point: page setup, the shared sidebar filters, then the chosen page."""
import streamlit as st

from dashboard import ui

st.set_page_config(page_title="Journey Lens", page_icon=":material/route:", layout="wide")

PAGES = [
    st.Page("pages/1_Overview.py", title="Overview", icon=":material/insights:", url_path="overview", default=True),
    st.Page("pages/9_Data.py", title="Data", icon=":material/database:", url_path="data"),
]
navigation = st.navigation(PAGES)

state, dataset = ui.resolve_state()
problems = ui.url_warnings()
if problems:
    st.warning("Some parts of the link could not be used and were reset: " + ui.plain("; ".join(problems)) + ".")
state = ui.sidebar_filters(state, dataset)
ui.set_active(dataset.filter(state))
ui.write_url()
navigation.run()
