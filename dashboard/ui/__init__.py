"""The Streamlit adapter: the only part of ``dashboard`` that imports streamlit."""
from .access import require_password
from .common import chart_block, no_customers, safe_csv
from .errors import guard, plain, show_error
from .state import use_app_navigation, active_dataset, set_active, page_param, resolve_state, set_page_param, store, url_warnings, write_url
from .sidebar import sidebar_filters
from .cache import compute
from .options import choice, choices, flag, show_problems

__all__ = ["require_password", "use_app_navigation", "active_dataset", "set_active", "chart_block", "no_customers", "safe_csv", "guard", "plain", "show_error", "page_param", "resolve_state",
           "set_page_param", "store", "url_warnings", "write_url", "sidebar_filters", "choice", "choices", "flag", "show_problems", "compute"]
