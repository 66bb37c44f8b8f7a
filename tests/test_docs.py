"""The README stays true: every page, URL parameter and setting is documented."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_page_is_listed():
    titles = re.findall(r'(?<![\w])title="([^"]+)"', (ROOT / "app.py").read_text())
    assert titles and all(f"**{t}**" in README for t in titles)


def test_every_url_parameter_is_documented():
    keys = {"ds", "from", "to", "tz", "channel", "stage", "touchpoint", "seg.<attribute>"}
    for page in (ROOT / "pages").glob("*.py"):
        for listed in re.findall(r"write_url\(\[([^\]]*)\]\)", page.read_text()):
            keys |= set(re.findall(r'"([^"]+)"', listed))
    missing = [k for k in keys if f"`{k}`" not in README]
    assert not missing, missing


def test_every_setting_is_documented():
    settings = set(re.findall(r'"(JOURNEY_LENS_[A-Z_]+)"', (ROOT / "dashboard" / "settings.py").read_text()))
    assert settings and all(f"`{s}`" in README for s in settings)


def test_readme_screenshot_exists():
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / image).exists(), image
