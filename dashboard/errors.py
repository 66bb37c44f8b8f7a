"""The one error family users see: each error carries a plain-English sentence.

Every message names the problem and what to do about it. The UI adapter renders
these in one place (``dashboard.ui.show_error``); nothing else catches broadly.
"""
from __future__ import annotations


class JourneyLensError(ValueError):
    """Base class: ``str(err)`` is a complete sentence for a non-technical user."""

    title = "Something in the input needs attention"

    def __init__(self, message: str, *, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message} {hint}")


class FileReadError(JourneyLensError):
    """The file could not be read as a table (format, encoding, size, emptiness)."""

    title = "The file could not be read"


class MappingError(JourneyLensError):
    """The columns do not provide a required role (customer id, timestamp)."""

    title = "The columns need mapping"


class NoValidRowsError(JourneyLensError):
    """Every row was set aside; nothing is left to analyse."""

    title = "No usable rows"


class DatasetNotFoundError(JourneyLensError, LookupError):
    """A dataset id does not name a stored dataset (deleted, mistyped or malformed)."""

    title = "Dataset not found"


class StoreError(JourneyLensError, OSError):
    """The dataset store cannot be written (read-only, full) or holds a damaged file."""

    title = "The dataset store has a problem"


class OptionError(JourneyLensError):
    """An analytics option has a value outside what it accepts."""

    title = "An option is not valid"

    def __init__(self, name: str, received: object, expected: str):
        super().__init__(
            f"Option '{name}' received {received!r}, but expected {expected}.",
        )
