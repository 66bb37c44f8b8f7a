"""Opening real files: delimiters, encodings, quoting, and the plain-English refusals."""
import gzip
import io
import zipfile

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.errors import FileReadError
from dashboard.reading import clean_column_names, detect_delimiter, detect_encoding, open_table_file
from tests.conftest import write

ROWS = "customer,when,channel\n00123,2025-01-01,web\n456,2025-01-02,email\n"


def read_all(path):
    opened = open_table_file(path)
    return opened, pd.concat(list(opened.batches()), ignore_index=True)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(tmp_path, delimiter):
    opened, frame = read_all(write(tmp_path / "e.csv", ROWS.replace(",", delimiter)))
    assert opened.delimiter == delimiter
    assert list(frame.columns) == ["customer", "when", "channel"]
    assert frame["customer"].tolist() == ["00123", "456"]  # leading zeros kept: ids stay text


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949"), ("latin-1", "cp1252")])
def test_encodings_are_detected(tmp_path, encoding, expected):
    text = "고객,시간,채널\n김민수,2025-01-01,웹\n" if encoding in ("cp949", "utf-8-sig") else "client,heure,canal\nRené,2025-01-01,café\n"
    opened, frame = read_all(write(tmp_path / "e.csv", text, encoding))
    assert opened.encoding == expected
    assert frame.iloc[0, 0] in ("김민수", "René")
    assert frame.columns[0] in ("고객", "client")  # no stray BOM in the first name


def test_detect_encoding_prefers_latin_for_accented_western_text():
    assert detect_encoding("Müller;Straße;café\n".encode("latin-1")) == "cp1252"


def test_quoted_fields_with_newlines_and_delimiters(tmp_path):
    text = 'id,ts,note\n1,2025-01-01,"line one\nline two, with comma"\n2,2025-01-02,plain\n'
    _, frame = read_all(write(tmp_path / "q.csv", text))
    assert frame["note"].tolist() == ["line one\nline two, with comma", "plain"]


def test_gzip_csv(tmp_path):
    path = tmp_path / "e.csv.gz"
    path.write_bytes(gzip.compress(ROWS.encode()))
    opened, frame = read_all(path)
    assert opened.compressed and len(frame) == 2


def test_excel(tmp_path):
    path = tmp_path / "e.xlsx"
    pd.DataFrame({"user_id": ["007", "8"], "event_time": ["2025-01-01", "2025-01-02"]}).to_excel(path, index=False)
    opened, frame = read_all(path)
    assert opened.kind == "excel" and frame["user_id"].tolist() == ["007", "8"]


def test_parquet_with_dictionary_and_int_ids(tmp_path):
    path = tmp_path / "e.parquet"
    table = pa.table({"uid": pa.array([1, 2]), "ch": pa.array(["web", "email"]).dictionary_encode(),
                      "ts": pa.array([0, 1], pa.timestamp("ms", tz="Asia/Seoul"))})
    pq.write_table(table, path)
    opened, frame = read_all(path)
    assert opened.kind == "parquet" and frame["ch"].tolist() == ["web", "email"]


def test_column_names_are_cleaned():
    assert clean_column_names(["id", "", "id", " Name ", None, "ID"]) == ["id", "column_2", "id_2", "Name", "column_5", "ID_3"]


def test_ragged_rows_are_kept_for_the_report(tmp_path):
    opened, frame = read_all(write(tmp_path / "r.csv", "a,b\n1,2\n3,4,5\n6,7\n"))
    assert len(frame) == 2 and opened.ragged_rows == ["3,4,5"]


@pytest.mark.parametrize("content,message", [
    (b"", "The file is empty (0 bytes)."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "This file is not a text table"),
])
def test_unreadable_files_get_plain_messages(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileReadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_table_file(path)


def test_zip_named_csv_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.csv", ROWS)
    path = tmp_path / "events.csv"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(FileReadError, match="is a zip archive, not a CSV file"):
        open_table_file(path)


def test_truncated_parquet_is_refused(tmp_path):
    good = tmp_path / "good.parquet"
    pd.DataFrame({"a": range(1000)}).to_parquet(good)
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(FileReadError, match="damaged or incomplete"):
        open_table_file(bad)


def test_nested_parquet_is_refused(tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"id": [1], "tags": [["a", "b"]]}), path)
    with pytest.raises(FileReadError, match=r"nested columns \(tags\)"):
        open_table_file(path)


def test_delimiter_detection_prefers_consistent_split():
    assert detect_delimiter("a;b;c\n1,5;2;3\n4,5;5;6\n") == ";"
