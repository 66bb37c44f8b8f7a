"""Hostile use: ids that probe the disk, markup and script inside files, and the optional password gate."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import open_dataset, read_events
from dashboard.errors import DatasetNotFoundError

ROOT = Path(__file__).resolve().parent.parent
PROBES = ["../../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd", "sample/../../store", "....//....//etc",
          "C:\\Windows\\win.ini", "a" * 22 + "/../x", "%00", "sample\x00"]


@pytest.fixture
def app(shared_store_dir, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(shared_store_dir))
    monkeypatch.delenv("JOURNEY_LENS_PASSWORD", raising=False)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


@pytest.mark.parametrize("probe", PROBES)
def test_open_dataset_refuses_paths(probe, store):
    with pytest.raises(DatasetNotFoundError, match="not valid"):
        open_dataset(probe, store)


@pytest.mark.parametrize("probe", PROBES[:4])
def test_links_that_probe_files_fall_back_to_the_sample(app, probe):
    app.query_params["ds"] = probe
    app.query_params["tz"] = "../../../etc/passwd"
    app.query_params["seg.../../x"] = "y"
    app.run()
    assert not app.exception and not app.error
    warning = app.warning[0].value.replace("\\", "")
    assert "the dataset in the link could not be opened (The link names a dataset id that is not valid)" in warning
    assert "passwd" not in " ".join(m.value for m in app.markdown)  # nothing from the probed file is shown
    assert app.metric[0].value == "5,000"  # the sample's customers
    assert app.query_params.get("ds") in (None, [], "")


HOSTILE = {
    "column": "[click me](https://evil.example/x)",
    "image": "![pixel](https://evil.example/p.png)",
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
}


def rendered_markdown(at) -> list[str]:
    """Every piece of text the app renders as markdown: elements and widget labels, main area and sidebar."""
    texts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader")
             for e in at.get(kind)]
    for kind in ("selectbox", "multiselect", "text_input", "button", "toggle", "radio"):
        texts += [w.label for w in at.get(kind)] + [w.label for w in at.sidebar.get(kind)]
    return texts


def unescaped(text: str) -> list[str]:
    """Markdown links/images and raw HTML tags that would be rendered (not preceded by a backslash)."""
    return re.findall(r"(?<!\\)\]\((?!\\)|(?<!\\)<(?:script|img)", text)


def test_markup_in_files_is_shown_as_text(app, shared_store_dir, tmp_path):
    header = f"user_id,event_time,journey_stage,channel,{HOSTILE['column']},{HOSTILE['image']}"
    rows = [f"u{i},2025-01-0{1 + i % 5},{HOSTILE['script'] if i % 2 else 'awareness'},{HOSTILE['img']},{HOSTILE['column']},x{i % 2}"
            for i in range(10)]
    path = tmp_path / "extract.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    dataset = read_events(path, name=HOSTILE["script"] + HOSTILE["image"], file_name="[evil](https://evil.example).csv")
    assert HOSTILE["column"] in dataset.segments.values() and HOSTILE["img"] in dataset.values("channel")
    app.query_params["ds"] = dataset.id
    app.query_params["stage"] = HOSTILE["script"]
    app.query_params["steps"] = [HOSTILE["script"], HOSTILE["column"]]
    app.run()
    for page in ("pages/1_Overview.py", "pages/2_Funnel.py", "pages/3_Flow.py", "pages/4_Stage_durations.py", "pages/9_Data.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        texts = rendered_markdown(app)
        shown = " ".join(texts)
        assert "evil" in shown or page != "pages/9_Data.py"  # the hostile text is on screen…
        assert [t for t in texts if unescaped(t)] == [], page  # …but only as text


def test_without_a_password_setting_the_app_opens_directly(app):
    app.run()
    assert not app.text_input and app.title[0].value == "Overview"


@pytest.fixture
def locked(app, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_PASSWORD", "correct horse ✓")
    return app


def test_password_gate_shows_nothing_before_sign_in(locked, shared_store_dir):
    locked.query_params["ds"] = "sample"
    locked.query_params["seg.region"] = "Europe"
    locked.run()
    assert [t.value for t in locked.title] == ["Journey Lens"]
    assert not locked.metric and not locked.dataframe and not locked.sidebar.selectbox and not locked.sidebar.multiselect
    everything = " ".join(rendered_markdown(locked))
    assert "Sample" not in everything and "Europe" not in everything
    locked.switch_page("pages/9_Data.py").run()  # a page link does not get around it
    assert not locked.dataframe and [t.value for t in locked.title] == ["Journey Lens"]


def test_wrong_password_is_refused_and_the_right_one_opens_the_link(locked):
    locked.query_params["seg.region"] = "Europe"
    locked.run()
    locked.text_input(key="jl_password").set_value("guess")
    locked.button[0].click().run()
    assert "That password is not right" in locked.error[0].value and not locked.metric
    locked.text_input(key="jl_password").set_value("correct horse ✓")
    locked.button[0].click().run()
    assert not locked.exception and locked.title[0].value == "Overview"
    assert locked.sidebar.multiselect(key="f_seg_region").value == ["Europe"]  # the shared link applies after sign-in
    locked.run()
    assert locked.title[0].value == "Overview"  # signed in for the rest of the session


MARKUP = "<b>bold</b><a href='javascript:alert(1)'>x</a>&amp;"


def test_chart_text_from_files_is_never_plotly_markup():
    """Plotly draws <b>, <a href> and entities in any text: values from files reach it escaped."""
    import json

    import pandas as pd

    from dashboard import charts

    stages = [MARKUP, "plain"]
    figures = [
        charts.touchpoints_over_time(pd.DataFrame({"period": [pd.Timestamp("2025-01-06")], "channel": [MARKUP], "touchpoints": [3]}),
                                     charts.channel_colors([MARKUP])),
        charts.channel_mix(pd.DataFrame({"stage": [MARKUP], "channel": [MARKUP], "touchpoints": [3], "share": [1.0]}),
                           charts.channel_colors([MARKUP]), stages),
        charts.funnel_chart(pd.DataFrame({"step": stages, "customers": [2, 1], "pct_of_first": [100.0, 50.0]})),
        charts.breakdown_chart(pd.DataFrame({"segment": [MARKUP], "step": [MARKUP], "pct_of_first": [100.0], "segment_size": [2]}), stages),
        charts.sankey_chart(pd.DataFrame({"step": [1], "source": [MARKUP], "target": ["End"], "customers": [2]}), {}, 2),
        charts.durations_box(pd.DataFrame({"from_stage": [MARKUP], "to_stage": ["plain"], "customers": [2], "p25": [1.0],
                                           "median": [2.0], "p75": [3.0], "p90": [4.0]}), {}),
        charts.binned_histogram(pd.DataFrame({"bin_start_days": [0.0], "bin_end_days": [1.0], "customers": [2]}), f"Days from {MARKUP}"),
        charts.tone_by_chart(pd.DataFrame({"group": [MARKUP], "customer_tone": [0.1], "conversations": [3]}), MARKUP),
    ]
    for fig in figures:
        text = json.dumps(fig.to_plotly_json(), default=str)
        assert "<b>bold</b>" not in text and "<a href" not in text
        assert "&lt;b&gt;bold&lt;/b&gt;" in text
