"""Open a touchpoint or transcript file as a stream of pandas batches.

Handles CSV (delimiter and encoding detected, including files that mix UTF-8 with
Windows-1252 lines), gzip-compressed CSV (decompressed as it is read, within a byte budget),
Parquet and Excel. Column names are cleaned (blank and duplicate names made unique); text
columns stay text so ids such as "00123" keep their leading zeros.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import FileReadError
from .settings import get_settings

DELIMITERS = [",", ";", "\t", "|"]
SAMPLE_BYTES = 256 * 1024
BATCH_ROWS = 500_000
MIXED_UTF8 = "journeylens-utf-8-mixed"  # UTF-8, with stray Windows-1252 bytes read as such


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode bytes that are not valid UTF-8 as Windows-1252 (Latin-1 for the few undefined ones)."""
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="strict") if all(b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) for b in bad) else bad.decode("latin-1"), error.end


codecs.register_error("journeylens-cp1252", _cp1252_fallback)


class _MixedDecoder(codecs.getincrementaldecoder("utf-8")):
    def __init__(self, errors: str = "journeylens-cp1252"):
        super().__init__("journeylens-cp1252")


def _mixed_codec(name: str):
    if name.replace("_", "-") != MIXED_UTF8:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(utf8.encode, lambda data, errors="strict": (codecs.decode(data, "utf-8", "journeylens-cp1252"), len(data)),
                            name=MIXED_UTF8, incrementaldecoder=_MixedDecoder, incrementalencoder=utf8.incrementalencoder)


codecs.register(_mixed_codec)


@dataclass
class OpenedFile:
    """A readable file: its cleaned column names and how it was read."""

    path: Path
    kind: str  # "csv", "parquet" or "excel"
    columns: list[str]
    original_columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    compressed: bool = False
    notes: list[str] = field(default_factory=list)
    ragged_rows: list[str] = field(default_factory=list)
    estimated_rows: int = 0

    def batches(self, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
        """Yield the rows in order as DataFrames with the cleaned column names."""
        if self.kind == "parquet":
            yield from _parquet_batches(self, batch_rows)
        elif self.kind == "excel":
            frame = pd.read_excel(self.path, dtype=str, header=0)
            frame.columns = self.columns
            yield frame
        else:
            yield from _csv_batches(self)

    def sample(self, rows: int = 2000) -> pd.DataFrame:
        """The first ``rows`` rows, for proposing a mapping."""
        for batch in self.batches(batch_rows=max(rows, 1)):
            return batch.head(rows).reset_index(drop=True)
        return pd.DataFrame(columns=self.columns)


def clean_column_names(names: list[object]) -> list[str]:
    """Strip names, fill blanks as column_N and make duplicates unique (name_2, …)."""
    cleaned, seen = [], {}
    for position, name in enumerate(names, start=1):
        text = "" if name is None else str(name).replace("\ufeff", "").strip()
        if not text or text.lower().startswith("unnamed:"):
            text = f"column_{position}"
        base, n = text, seen.get(text.lower(), 0)
        while text.lower() in seen:
            n += 1
            text = f"{base}_{n + 1}"
        seen[base.lower()] = n
        seen[text.lower()] = 0
        cleaned.append(text)
    return cleaned


def open_table_file(path: str | Path, *, display_name: str | None = None) -> OpenedFile:
    """Inspect ``path`` and return an :class:`OpenedFile`; raise FileReadError if unreadable."""
    path = Path(path)
    name = (display_name or path.name).lower()
    if not path.exists():
        raise FileReadError(f"The file '{display_name or path.name}' does not exist.")
    if path.stat().st_size == 0:
        raise FileReadError("The file is empty (0 bytes).", hint="Export the data again and upload the new file.")
    head = path.open("rb").read(8)
    if name.endswith(".parquet") or name.endswith(".pq") or head.startswith(b"PAR1"):
        return _open_parquet(path)
    if name.endswith((".xlsx", ".xlsm")) or (head.startswith(b"PK") and not name.endswith((".csv", ".txt", ".tsv"))):
        return _open_excel(path)
    if head.startswith(b"PK"):
        raise FileReadError(
            f"'{display_name or path.name}' is a zip archive, not a CSV file.",
            hint="Unzip it and upload the CSV inside, or save the sheet as CSV or .xlsx.",
        )
    return _open_csv(path, compressed=head.startswith(b"\x1f\x8b") or name.endswith(".gz"))


# --- Parquet -----------------------------------------------------------------

def _open_parquet(path: Path) -> OpenedFile:
    try:
        schema = pq.read_schema(path)
        pq.ParquetFile(path).metadata  # noqa: B018 - validates the footer
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileReadError(
            "The Parquet file is damaged or incomplete (its footer could not be read).",
            hint="The export or copy may have been cut short: export it again.",
        ) from exc
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        raise FileReadError(
            f"The Parquet file has nested columns ({', '.join(nested[:5])}), which a flat touchpoint table cannot hold.",
            hint="Flatten or drop those columns before exporting (one value per cell).",
        )
    names = list(schema.names)
    rows = pq.ParquetFile(path).metadata.num_rows
    return OpenedFile(path, "parquet", clean_column_names(names), names, estimated_rows=rows)


def _parquet_batches(opened: OpenedFile, batch_rows: int) -> Iterator[pd.DataFrame]:
    try:
        parquet = pq.ParquetFile(opened.path)
        for batch in parquet.iter_batches(batch_size=batch_rows):
            frame = batch.to_pandas(types_mapper=_arrow_types_mapper)
            frame.columns = opened.columns
            yield frame
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileReadError(
            "The Parquet file is damaged part-way through and could not be read to the end.",
            hint="Export it again.",
        ) from exc


def _arrow_types_mapper(arrow_type: pa.DataType):
    if pa.types.is_dictionary(arrow_type) or pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    return None


# --- Excel ---------------------------------------------------------------------

def _open_excel(path: Path) -> OpenedFile:
    try:
        header = pd.read_excel(path, nrows=0)
    except (ValueError, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise FileReadError(
            "The file looks like an Excel workbook but could not be opened.",
            hint="Open it in Excel and save it again as .xlsx or as CSV.",
        ) from exc
    names = list(header.columns)
    if not names:
        raise FileReadError("The first sheet of the workbook is empty.", hint="Put the touchpoints on the first sheet, one row each.")
    return OpenedFile(path, "excel", clean_column_names(names), [str(n) for n in names])


# --- CSV -----------------------------------------------------------------------

def _read_sample(path: Path, compressed: bool) -> bytes:
    try:
        if compressed:
            with gzip.open(path, "rb") as handle:
                return handle.read(SAMPLE_BYTES)
        with path.open("rb") as handle:
            return handle.read(SAMPLE_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise FileReadError("The compressed file is damaged and could not be opened.", hint="Compress it again with gzip, or upload the plain CSV.") from exc


def detect_encoding(sample: bytes) -> str:
    """Name the text encoding of ``sample``: utf-8(-sig), cp949 (Korean Excel) or cp1252/latin-1."""
    bom = sample.startswith(b"\xef\xbb\xbf")
    for cut in range(0, 4):  # the sample may end inside a multi-byte character
        try:
            sample[: len(sample) - cut].decode("utf-8")
            return "utf-8-sig" if bom else "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4 - cut:
                break
    try:
        text = sample[: len(sample) - 1].decode("cp949")
        non_ascii = [c for c in text if ord(c) > 127]
        hangul = sum("\uac00" <= c <= "\ud7a3" for c in non_ascii)
        if non_ascii and hangul / len(non_ascii) > 0.6:
            return "cp949"
    except UnicodeDecodeError:
        pass
    if _has_utf8_sequences(sample):
        return MIXED_UTF8
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _has_utf8_sequences(sample: bytes) -> bool:
    """True when the bytes hold several valid UTF-8 multi-byte characters (so invalid bytes are a mix-in)."""
    return len(_UTF8_SEQUENCE.findall(sample[:SAMPLE_BYTES])) >= 2


def detect_delimiter(text: str) -> str:
    """Pick the delimiter among , ; tab | that splits the sample into the most consistent columns."""
    lines = text.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the last sampled line may be cut
    sample = "\n".join(lines[:200])
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        if not rows:
            continue
        widths = pd.Series([len(r) for r in rows])
        mode = int(widths.mode().iloc[0])
        score = (float((widths == mode).mean()) if mode > 1 else 0.0, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    if b"\x00" in sample[:4096]:
        return True
    control = sum(b < 9 or 13 < b < 32 for b in sample[:4096])
    return control / min(len(sample), 4096) > 0.05


def _open_csv(path: Path, compressed: bool) -> OpenedFile:
    sample = _read_sample(path, compressed)
    if not sample.strip():
        raise FileReadError("The file is empty.", hint="Export the data again and upload the new file.")
    if _looks_binary(sample):
        raise FileReadError(
            "This file is not a text table: it looks like a binary file (an image, archive or program).",
            hint="Upload a CSV, Parquet or Excel (.xlsx) export of the touchpoints.",
        )
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    delimiter = detect_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except StopIteration as exc:
        raise FileReadError("The file is empty.") from exc
    columns = clean_column_names(header)
    bytes_per_line = len(sample) / max(sample.count(b"\n"), 1)
    estimate = int(path.stat().st_size * (6 if compressed else 1) / bytes_per_line)
    opened = OpenedFile(path, "csv", columns, header, encoding=encoding, delimiter=delimiter, compressed=compressed,
                        estimated_rows=estimate)
    if encoding == MIXED_UTF8:
        opened.notes.append("The file mixes text encodings (mostly UTF-8, some lines in Windows/Latin-1): each line was read "
                            "in the encoding it was written in. Check accented names in the report below.")
    if len(columns) == 1:
        opened.notes.append("Only one column was found: if the file uses an unusual separator, save it again as a comma-separated CSV.")
    return opened


def _csv_batches(opened: OpenedFile) -> Iterator[pd.DataFrame]:
    read_options = pacsv.ReadOptions(
        column_names=opened.columns, skip_rows=1, encoding=opened.encoding or "utf-8",
        block_size=16 << 20,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=opened.delimiter or ",", newlines_in_values=True,
        invalid_row_handler=lambda row: _set_aside_ragged(opened, row),
    )
    convert_options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in opened.columns},
        strings_can_be_null=True, quoted_strings_can_be_null=False,
        null_values=[""],
    )
    try:
        source = _BudgetedGzip(opened.path) if opened.compressed else pa.input_stream(str(opened.path))
        reader = pacsv.open_csv(source, read_options=read_options, parse_options=parse_options, convert_options=convert_options)
        for batch in reader:
            frame = batch.to_pandas(types_mapper=_arrow_types_mapper)
            first = frame.columns[0]
            if frame[first].str.startswith("\ufeff").any():  # stray byte-order marks of concatenated exports
                frame[first] = frame[first].str.lstrip("\ufeff")
            yield frame
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "invalid UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError):
            raise FileReadError(
                "The file is not consistently UTF-8: part-way through, text in another encoding (such as Windows/Latin-1) was found.",
                hint="Open it in a spreadsheet and save it again as 'CSV UTF-8', then upload the new file.",
            ) from exc
        raise FileReadError(
            f"The CSV file could not be parsed: {_arrow_reason(exc)}.",
            hint="Check that every row has the same number of separators and that quotes are closed.",
        ) from exc
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise FileReadError("The file could not be read to the end (it may be truncated).", hint="Export it again.") from exc


class _BudgetedGzip(io.RawIOBase):
    """A gzip file decompressed as it is read, refused once it expands beyond JOURNEY_LENS_MAX_FILE_MB.

    A small .csv.gz can expand to terabytes; counting the decompressed bytes stops it before it
    fills memory or disk (only one block is ever held)."""

    def __init__(self, path: Path):
        self._gzip = gzip.open(path, "rb")
        self._limit_mb = get_settings().max_file_mb
        self._budget = self._limit_mb * 1024 * 1024
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._gzip.read(len(buffer))
        self._read += len(data)
        if self._read > self._budget:
            raise FileReadError(
                f"The compressed file expands to more than {self._limit_mb:,} MB, the most this server reads.",
                hint="Split the extract by period, or ask the administrator to raise JOURNEY_LENS_MAX_FILE_MB "
                     "(a file that expands this much may also be a decompression bomb).",
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._gzip.close()
        super().close()


def _set_aside_ragged(opened: OpenedFile, row) -> str:
    """Keep the text of a row whose field count is wrong, so it is reported, not lost."""
    opened.ragged_rows.append(str(row.text)[:10_000])
    return "skip"


def _arrow_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0]
    return text[:200]
