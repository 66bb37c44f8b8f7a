"""The bad-input corpus: every broken file ends in a plain message or a load with problem rows set aside.

Files are generated here (nothing binary is checked in). After each case the datasets loaded
earlier are still listed and readable: a bad file never costs what is already stored.
"""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard import DatasetStore, open_dataset, read_events
from dashboard.errors import FileReadError, MappingError, NoValidRowsError
from dashboard.transcripts import read_transcripts
from dashboard.tone import score_turns

ROOT = Path(__file__).resolve().parent.parent
GOOD = "user_id,event_time,channel\n00123,2025-01-01,web\n123,2025-01-02,email\n"


def _zip(tmp: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("events.csv", GOOD)
    return buffer.getvalue()


def _parquet(tmp: Path, table: pa.Table) -> bytes:
    pq.write_table(table, tmp / "x.parquet")
    return (tmp / "x.parquet").read_bytes()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + bytes(range(256)) * 4


# name, file name, bytes builder, error class, words the message must contain (problem and fix)
REFUSED = [
    ("empty file", "e.csv", lambda t: b"", FileReadError, ["empty", "Export the data again"]),
    ("header only", "e.csv", lambda t: b"user_id,event_time,channel\n", FileReadError, ["header but no data rows", "including the rows"]),
    ("binary", "e.csv", lambda t: bytes(range(256)) * 40, FileReadError, ["not a text table", "Upload a CSV, Parquet or Excel"]),
    ("PNG image named .csv", "photo.csv", lambda t: _png(), FileReadError, ["binary file", "Upload a CSV, Parquet or Excel"]),
    ("zip named .csv", "e.csv", _zip, FileReadError, ["zip archive, not a CSV", "Unzip it"]),
    ("truncated Parquet", "e.parquet",
     lambda t: _parquet(t, pa.table({"user_id": ["a"] * 500, "event_time": ["2025-01-01"] * 500}))[:-300],
     FileReadError, ["damaged or incomplete", "export it again"]),
    ("nested Parquet", "e.parquet",
     lambda t: _parquet(t, pa.table({"user_id": ["a"], "event_time": ["2025-01-01"], "tags": [["x", "y"]]})),
     FileReadError, ["nested columns (tags)", "Flatten"]),
    ("mixed delimiters", "e.csv", lambda t: b"user_id;event_time,channel\na;2025-01-01,web\nb;2025-01-02,email\n",
     MappingError, ["No column could be used as the timestamp", "mix separators", "one separator"]),
    ("no id or timestamp column", "e.csv", lambda t: b"colour,size\nred,big\nblue,small\ngreen,medium\n",
     MappingError, ["No column could be used as the customer id or the timestamp", "colour, size", "Column mapping"]),
    ("all rows invalid", "e.csv", lambda t: b"user_id,event_time\na,never\nb,soon\n,2025-01-01\n",
     NoValidRowsError, ["All 3 rows had to be set aside", "2 \u00d7 unreadable timestamp", "Customer id and Timestamp"]),
    ("encoding changes after the first 256 KB", "e.csv",
     lambda t: ("user_id,event_time,city\n" + "a,2025-01-01,Z\u00fcrich\n" * 20_000).encode() + "b,2025-01-02,Z\u00fcrich\n".encode("latin-1"),
     FileReadError, ["not consistently UTF-8", "save it again as 'CSV UTF-8'"]),
]


@pytest.fixture
def earlier(store, tmp_path):
    """A dataset loaded before the bad file arrives."""
    (tmp_path / "good.csv").write_text(GOOD)
    return read_events(tmp_path / "good.csv", store=store)


def assert_untouched(store: DatasetStore, earlier) -> None:
    entries = store.list()
    assert [m["id"] for m in entries] == [earlier.id] and not entries[0].get("broken")
    assert open_dataset(earlier.id, store).to_pandas()["customer_id"].tolist() == ["00123", "123"]
    assert [p.name for p in store.root.iterdir() if p.name.startswith(".")] == []  # no half dataset left


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_bad_file_gets_a_plain_message_and_the_store_is_untouched(case, store, earlier, tmp_path):
    _, file_name, build, error, words = case
    path = tmp_path / file_name
    path.write_bytes(build(tmp_path))
    with pytest.raises(error) as caught:
        read_events(path, store=store)
    message = str(caught.value)
    assert all(word in message for word in words), message
    assert "Traceback" not in message and "Error" not in message.split(".")[0]
    assert_untouched(store, earlier)


def test_file_above_the_size_limit_is_refused_before_reading(store, earlier, tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_MAX_FILE_MB", "1")
    path = tmp_path / "big.csv"
    path.write_text(GOOD + "a,2025-01-03,web\n" * 80_000)  # 1.4 MB
    with pytest.raises(FileReadError, match=r"larger than 1 MB, the most this server reads\. Split the extract"):
        read_events(path, store=store)
    assert_untouched(store, earlier)


def _gzip_bomb(path: Path, expanded_mb: int) -> None:
    """A multi-member gzip file: ``expanded_mb`` copies of one compressed megabyte of rows."""
    block = gzip.compress(b"a,2025-01-01,web\n" * (1024 * 1024 // 17), compresslevel=9)
    with path.open("wb") as handle:
        handle.write(gzip.compress(b"user_id,event_time,channel\n"))
        for _ in range(expanded_mb):
            handle.write(block)


def test_gzip_that_expands_beyond_the_limit_is_refused_while_streaming(store, earlier, tmp_path):
    bomb = tmp_path / "bomb.csv.gz"
    _gzip_bomb(bomb, 4096)  # about 8 MB on disk, 4 GB of CSV
    code = ("import sys, time, resource; from dashboard import read_events; from dashboard.errors import FileReadError\n"
            "start = time.time()\n"
            "try:\n    read_events(sys.argv[1])\nexcept FileReadError as exc:\n"
            "    print(exc); print(round(time.time() - start, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    env = dict(os.environ, JOURNEY_LENS_STORE=str(store.root), JOURNEY_LENS_MAX_FILE_MB="20", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(bomb)], env=env, capture_output=True, text=True, timeout=120)
    message, figures = out.stdout.strip().splitlines()
    seconds, peak_mb = float(figures.split()[0]), int(figures.split()[1])
    assert message.startswith("The compressed file expands to more than 20 MB, the most this server reads."), out.stderr[-2000:]
    assert "decompression bomb" in message
    assert seconds < 30 and peak_mb < 1000, (seconds, peak_mb)  # 4 GB never reached memory
    assert_untouched(store, earlier)


def test_stray_byte_order_marks_and_mixed_encodings_are_read(store, tmp_path):
    path = tmp_path / "joined exports.csv"
    path.write_bytes("\ufeffuser_id,event_time,city\na,2025-01-01,M\u00fcller\n".encode()
                     + "b,2025-01-02,M\u00fcller\n".encode("latin-1") + "\ufeffc,2025-01-03,Z\u00fcrich\n".encode())
    events = read_events(path, store=store)
    frame = events.to_pandas()
    assert frame["customer_id"].tolist() == ["a", "b", "c"]  # the stray BOM before "c" is gone
    assert frame["city"].tolist() == ["M\u00fcller", "M\u00fcller", "Z\u00fcrich"]  # each line in its own encoding
    assert "mixes text encodings" in events.manifest["source"]["notes"][0]


def test_duplicate_and_blank_column_names_are_made_unique(store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("user_id,,user_id,event_time,\na,x,y,2025-01-01,z\n")
    events = read_events(path, store=store)
    assert events.manifest["source"]["columns"] == ["user_id", "column_2", "user_id_2", "event_time", "column_5"]
    assert events.to_pandas()["customer_id"].tolist() == ["a"]


def test_five_thousand_columns_load_with_a_bounded_set_of_segments(store, tmp_path):
    path = tmp_path / "wide.csv"
    names = ["user_id", "event_time"] + [f"attr_{i}" for i in range(4998)]
    path.write_text(",".join(names) + "\n" + "\n".join(",".join([f"u{r}", "2025-01-01"] + [f"v{r % 3}"] * 4998) for r in range(6)) + "\n")
    events = read_events(path, store=store)
    assert len(events.manifest["source"]["columns"]) == 5000
    assert list(events.segments.values()) == [f"attr_{i}" for i in range(12)]  # proposed; more can be chosen
    with pytest.raises(MappingError, match="4,998 columns were chosen as segment attributes; at most 50"):
        read_events(path, store=store, mapping={"segments": names[2:]})


def test_a_one_megabyte_field_is_read_whole(store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("user_id,event_time,note\na,2025-01-01," + "x" * 1_000_000 + "\nb,2025-01-02,short\n")
    events = read_events(path, store=store)
    assert events.quality["rows_kept"] == 2 and events.to_pandas()["customer_id"].tolist() == ["a", "b"]


def test_mixed_far_future_and_pre_1970_timestamps_are_set_aside_and_counted(store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("user_id,event_time\na,2025-01-01T10:00:00\nb,01/02/2025\nc,2025-03-04 10:00\n"
                    "d,2999-01-01\ne,1960-05-05\nf,next tuesday\n")
    q = read_events(path, store=store).quality
    assert (q["rows_read"], q["rows_kept"]) == (6, 3)
    assert q["set_aside_reasons"] == {"timestamp before 1970 or more than a year in the future": 2, "unreadable timestamp": 1}


def test_leading_zeros_and_thousands_separators(store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('user_id,event_time,revenue\n00123,2025-01-01,"1,234.50"\n123,2025-01-02,"1.234,50"\n0123,2025-01-03,"12,000"\n')
    events = read_events(path, store=store)
    frame = events.to_pandas()
    assert sorted(frame["customer_id"]) == ["00123", "0123", "123"] and events.quality["customers"] == 3
    assert sorted(frame["revenue"]) == [1234.5, 1234.5, 12000.0]


# --- transcripts ---------------------------------------------------------------

def turns(texts, speakers=("agent", "customer")):
    return pd.DataFrame({"conversation_id": ["c1"] * len(texts), "speaker": list(speakers)[: len(texts)], "text": texts})


def test_transcripts_with_only_empty_text_are_refused():
    with pytest.raises(NoValidRowsError, match=r"None of the 2 transcript rows has any text\. Check the text column"):
        read_transcripts(turns(["", "   "]))


def test_transcript_empty_turns_are_set_aside_and_counted():
    kept, report = read_transcripts(turns(["Hello, how can I help?", ""]))
    assert kept["text"].tolist() == ["Hello, how can I help?"] and report["set_aside_reasons"] == {"empty text": 1}


def test_emoji_and_non_english_turns_are_scored_or_counted_as_not_scored():
    kept, _ = read_transcripts(turns(["\U0001F600\U0001F600", "\U0001F621\U0001F525", "\uc548\ub155\ud558\uc138\uc694", "\ud658\ubd88\ud574 \uc8fc\uc138\uc694"],
                                     speakers=["agent", "customer", "agent", "customer"]))
    labels = score_turns(kept)["label"].tolist()
    assert labels == ["positive", "negative", "not scored", "not scored"]  # emoji have VADER words; Korean is never "neutral"


def test_very_long_turns_are_cut_to_the_limit_and_counted(monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_MAX_TURN_CHARS", "5000")
    kept, report = read_transcripts(turns(["Hello", "This is terrible. " * 5600]))  # 100,800 characters
    assert kept["text"].str.len().tolist() == [5, 5000]
    assert (report["turns_cut"], report["max_turn_chars"]) == (1, 5000)
    assert score_turns(kept)["label"].tolist()[1] == "negative"


def test_unrecognised_speakers_are_other_and_listed():
    kept, report = read_transcripts(turns(["I am glad", "I am sad"], speakers=["Zorg", "Blip"]))
    assert kept["speaker"].tolist() == ["other", "other"]
    assert report["unrecognised_speakers"] == ["Blip", "Zorg"]


# --- the app stays up ----------------------------------------------------------

APP_CASES = [c for c in REFUSED if c[0] in ("empty file", "PNG image named .csv", "zip named .csv", "truncated Parquet")]


@pytest.fixture
def data_page(store_dir, earlier):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/9_Data.py").run()
    return at


@pytest.mark.parametrize("case", APP_CASES, ids=[c[0] for c in APP_CASES])
def test_data_page_shows_the_message_and_keeps_working(case, data_page, store, earlier, tmp_path):
    _, file_name, build, error, words = case
    data_page.file_uploader[0].set_value((file_name, build(tmp_path), "application/octet-stream")).run()
    assert not data_page.exception
    shown = data_page.error[0].value
    assert shown.startswith(f"**{error.title}.**") and "**What to do:**" in shown
    assert all(word.split()[0] in shown for word in words), shown
    library = data_page.dataframe[-1].value
    assert "good.csv" in library["Name"].tolist()
    data_page.file_uploader[0].set_value(("again.csv", GOOD.encode(), "text/csv")).run()  # the next upload works
    assert not data_page.exception and not data_page.error
    assert {m["name"] for m in store.list()} == {"good.csv", "again.csv", "Sample: subscription journeys 2025"} and open_dataset(earlier.id, store).quality["rows_kept"] == 2

