"""The Streamlit adapter: the only part of ``dashboard`` that imports streamlit."""
from .access import require_password
from .common import chart_block, download_csv, money, no_customers, show_table, touchpoint_filter_note
from .errors import guard, plain, show_error, unexpected_errors
from .state import use_app_navigation, active_dataset, set_active, page_param, presenting, resolve_state, set_page_param, store, url_warnings
from .share import key_figures, share_controls, stand_out, write_url
from .sidebar import sidebar_filters
from .cache import compute, ready_filtered_views
from .options import breakdown_choice, choice, choices, flag, show_problems, tabs

__all__ = ["require_password", "use_app_navigation", "active_dataset", "set_active", "chart_block", "download_csv", "money", "no_customers", "show_table", "touchpoint_filter_note",
           "guard", "plain", "show_error", "unexpected_errors", "page_param", "presenting", "resolve_state", "set_page_param", "store", "url_warnings", "write_url",
           "key_figures", "share_controls", "stand_out", "sidebar_filters", "breakdown_choice", "choice", "choices", "flag", "show_problems", "tabs", "compute", "ready_filtered_views"]
