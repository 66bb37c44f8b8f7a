"""The one place where errors become messages, and where file text is made safe to show."""
from __future__ import annotations

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
