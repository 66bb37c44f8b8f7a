"""Read numbers written by people: thousands separators, decimal commas, currency signs."""
from __future__ import annotations

import re
from collections import Counter

import pandas as pd

CURRENCY_SIGNS = "€$£¥₩"
_JUNK = re.compile(rf"[\s\u00a0'{re.escape(CURRENCY_SIGNS)}]")


def parse_number_text(text: str) -> float | None:
    """'1,234.50' → 1234.5; '1.234,50' → 1234.5; '12,5' → 12.5; '1,234' → 1234; else None."""
    cleaned = _JUNK.sub("", text)
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal, ".")
    elif "," in cleaned:
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+", cleaned):
            cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}", cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse a column to float; unreadable values become NA (each distinct text parsed once)."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("Float64")
    text = values.astype("string")
    distinct = text.dropna().unique()
    lookup = {value: parse_number_text(value) for value in distinct}
    return text.map(lookup).astype("Float64")


def currency_signs(values: pd.Series) -> Counter:
    """How many values name each currency sign (text only: numbers carry none)."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return Counter()
    counts = values.dropna().astype("string").value_counts()  # each distinct text looked at once
    found = {sign: int(counts[counts.index.str.contains(sign, regex=False)].sum()) for sign in CURRENCY_SIGNS}
    return Counter({sign: n for sign, n in found.items() if n})


def count(value) -> int:
    """A count from an engine's result: a null (an empty sum, on some engines) is 0."""
    return 0 if value is None or pd.isna(value) else int(value)
