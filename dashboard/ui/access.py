"""Optional password gate for a shared server (setting JOURNEY_LENS_PASSWORD; off when unset)."""
from __future__ import annotations

import hmac
import time

import streamlit as st

from ..settings import get_settings

SIGNED_IN_KEY = "jl_signed_in"


def require_password() -> None:
    """Stop the run with a sign-in form until the session has given the password (no-op when none is set).

    Runs before anything else, so no page, dataset name or library entry is shown to a visitor
    who has not signed in; the link's query string is left as it is and applies after sign-in."""
    password = get_settings().password
    if not password or st.session_state.get(SIGNED_IN_KEY):
        return
    st.title("Journey Lens")
    with st.form("sign_in"):
        entered = st.text_input("Password", type="password", key="jl_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if hmac.compare_digest(entered.encode("utf-8"), password.encode("utf-8")):
            st.session_state[SIGNED_IN_KEY] = True
            st.session_state.pop("jl_password", None)
            st.rerun()
        time.sleep(1)  # slows guessing
        st.error("That password is not right. Ask the person who runs this server for it.", icon="🔒")
    else:
        st.info("This Journey Lens server is shared: enter the password to see its data.", icon="🔒")
    st.stop()
