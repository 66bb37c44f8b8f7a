"""The one place where errors become messages, and where file text is made safe to show."""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager

import streamlit as st

from ..errors import JourneyLensError

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def plain(text: object) -> str:
    """Escape markdown so text from a file (names, values) shows as typed, never as formatting or links."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def show_error(exc: JourneyLensError) -> None:
    """Render a JourneyLensError as a plain-English error box."""
    body = plain(exc.message) + (f"  \n**What to do:** {plain(exc.hint)}" if exc.hint else "")
    st.error(f"**{exc.title}.** {body}", icon="⚠️")


@contextmanager
def guard(stop: bool = True):
    """Show any JourneyLensError raised inside as a message (and stop the page unless ``stop`` is False)."""
    try:
        yield
    except JourneyLensError as exc:
        show_error(exc)
        if stop:
            st.stop()


@contextmanager
def unexpected_errors():
    """The page's last line of defence: a JourneyLensError shows its message; any other error (a bug) shows a
    plain apology and how to go on, while its traceback goes to the server's log. Streamlit's own stop and
    rerun signals pass through. With JOURNEY_LENS_RAISE_ERRORS=1 (the test suite) bugs are raised instead,
    so no test can pass over one."""
    try:
        yield
    except JourneyLensError as exc:
        show_error(exc)
    except Exception:
        if os.environ.get("JOURNEY_LENS_RAISE_ERRORS") == "1":
            raise
        logging.getLogger("journey_lens").exception("a page failed")
        st.error("**Something went wrong while drawing this page.** Nothing you loaded is lost.  \n"
                 "**What to do:** reload the page (the link keeps your filters). If it happens again, tell whoever runs "
                 "this Journey Lens server: the details are in its log.", icon="⚠️")
