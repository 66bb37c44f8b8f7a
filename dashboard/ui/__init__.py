"""The Streamlit adapter: the only part of ``dashboard`` that imports streamlit."""
from .common import chart_block, no_customers, safe_csv
from .errors import guard, plain, show_error
from .state import active_dataset, set_active, page_param, resolve_state, set_page_param, store, url_warnings, write_url
from .sidebar import sidebar_filters

__all__ = ["active_dataset", "set_active", "chart_block", "no_customers", "safe_csv", "guard", "plain", "show_error", "page_param", "resolve_state",
           "set_page_param", "store", "url_warnings", "write_url", "sidebar_filters"]
