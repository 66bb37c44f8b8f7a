"""Only the UI adapter imports streamlit; pages do not compute."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_does_not_import_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "dashboard").rglob("*.py")
                 if "streamlit" in imports(p) and "ui" not in p.relative_to(ROOT / "dashboard").parts]
    assert offenders == []


def test_pages_do_not_query_data_directly():
    for page in (ROOT / "pages").glob("*.py"):
        assert not imports(page) & {"ibis", "duckdb", "pyarrow"}, page.name
        assert len(page.read_text().splitlines()) <= 90, f"{page.name} is too long: move logic into dashboard/"
