"""Journey Lens — entry point: page setup, the shared sidebar filters, then the chosen page."""
import streamlit as st

from dashboard import ui

st.set_page_config(page_title="Journey Lens", page_icon=":material/route:", layout="wide")
ui.use_app_navigation()
ui.require_password()

PAGES = [
    st.Page("pages/1_Overview.py", title="Overview", icon=":material/insights:", default=True),
    st.Page("pages/2_Funnel.py", title="Funnel", icon=":material/filter_alt:"),
    st.Page("pages/3_Flow.py", title="Flow", icon=":material/account_tree:"),
    st.Page("pages/4_Stage_durations.py", title="Stage durations", icon=":material/timer:"),
    st.Page("pages/5_Sentiment.py", title="Sentiment", icon=":material/sentiment_satisfied:"),
    st.Page("pages/9_Data.py", title="Data", icon=":material/database:"),
]
navigation = st.navigation(PAGES)

with ui.unexpected_errors():  # a bug shows a plain message, not a stack trace
    state, dataset = ui.resolve_state()
    ui.ready_filtered_views(dataset)  # in the background, once per dataset version and process
    problems = ui.url_warnings()
    if problems:
        st.warning("Some parts of the link could not be used and were reset: " + ui.plain("; ".join(problems)) + ".")
    state = ui.sidebar_filters(state, dataset)
    active = dataset.filter(state)
    ui.set_active(active)
    ui.share_controls(navigation, active)
    ui.write_url()
    navigation.run()
