"""AppTest: the link to the view, presentation mode (editing hidden, filters usable), export buttons."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(shared_store_dir, monkeypatch):
    monkeypatch.setenv("JOURNEY_LENS_STORE", str(shared_store_dir))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def link(at) -> str:
    return at.sidebar.code[0].value


def downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


def editing_controls(at) -> dict[str, int]:
    labels = {b.label for b in at.button}
    return {"uploaders": len(at.get("file_uploader")), "editors": sum(1 for d in at.dataframe if d.proto.editing_mode),
            "forms": len(at.get("form")), "library buttons": len(labels & {"Open", "Rename", "Delete…"})}


def test_link_shows_the_page_filters_and_options(app):
    app.query_params["seg.region"] = ["Europe"]
    app.query_params["mode"] = "any"
    app.run()
    assert link(app) == "/?seg.region=Europe"
    app.switch_page("pages/2_Funnel.py").run()
    assert link(app) == "/Funnel?seg.region=Europe&mode=any"
    app.sidebar.multiselect(key="f_channel").set_value(["email", "paid ads"]).run()
    assert link(app) == "/Funnel?channel=email&channel=paid%20ads&seg.region=Europe&mode=any"
    assert "Download report (HTML)" in downloads(app)


def test_every_chart_has_a_csv_and_a_png_export(app):
    app.run()
    app.switch_page("pages/3_Flow.py").run()
    assert not app.exception
    labels = downloads(app)
    assert labels.count("Data (CSV)") == 1 and labels.count("Chart (PNG 1600×900)") == 1
    names = [d.proto.label for d in app.get("download_button")]
    assert "Download the top paths (CSV)" in names


def test_presentation_mode_hides_editing_on_the_data_page(app):
    app.run()
    app.switch_page("pages/9_Data.py").run()
    normal = editing_controls(app)
    assert normal["uploaders"] >= 2 and normal["editors"] >= 1 and normal["forms"] >= 1 and normal["library buttons"] == 3
    app.sidebar.toggle(key="jl_present").set_value(True).run()
    assert not app.exception
    assert editing_controls(app) == {"uploaders": 0, "editors": 0, "forms": 0, "library buttons": 0}
    assert "Presentation mode" in app.info[0].value
    assert {"Touchpoints (CSV)", "Touchpoints (PARQUET)"} <= set(downloads(app))  # exports stay
    assert app.query_params.get("present") in ("1", ["1"]) and link(app).endswith("present=1")
    app.sidebar.toggle(key="jl_present").set_value(False).run()
    assert editing_controls(app)["uploaders"] >= 2 and "present" not in app.query_params


def test_presentation_mode_on_the_sentiment_page_keeps_filters_working(app):
    app.query_params["present"] = "1"
    app.run()
    app.switch_page("pages/5_Sentiment.py").run()
    assert not app.exception and not app.warning
    assert editing_controls(app) == {"uploaders": 0, "editors": 0, "forms": 0, "library buttons": 0}
    assert not [label for label in downloads(app) if label.startswith(("Data (CSV)", "Chart (PNG"))]
    before = next(m.value for m in app.metric if m.label == "Conversations")
    app.sidebar.multiselect(key="f_seg_region").set_value(["Europe"]).run()
    after = next(m.value for m in app.metric if m.label == "Conversations")
    assert int(after.replace(",", "")) < int(before.replace(",", ""))
    assert link(app) == "/Sentiment?seg.region=Europe&present=1"


def test_a_bad_present_value_is_reported_and_ignored(app):
    app.query_params["present"] = "yes"
    app.run()
    assert "yes' is not 0 or 1" in app.warning[0].value
    assert app.sidebar.toggle(key="jl_present").value is False
    assert "present" not in app.query_params


def test_sentiment_options_go_into_the_link_and_come_back(app, shared_store_dir, monkeypatch):
    app.run()
    app.switch_page("pages/5_Sentiment.py").run()
    conversation = app.selectbox(key="opt_conversation")
    second = conversation.options[1]
    conversation.set_value(second).run()
    channel = app.selectbox(key="opt_topic_channel").options[1]
    app.selectbox(key="opt_topic_channel").set_value(channel).run()
    assert not app.exception
    assert link(app).endswith(f"?conversation={second}&topic_channel={channel.replace(' ', '%20')}")
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    again.query_params["conversation"] = second
    again.query_params["topic_channel"] = channel
    again.run()
    again.switch_page("pages/5_Sentiment.py").run()
    assert again.selectbox(key="opt_conversation").value == second and again.selectbox(key="opt_topic_channel").value == channel
    again.sidebar.multiselect(key="f_seg_region").set_value(["Asia-Pacific"]).run()  # the chosen conversation may leave the view
    assert not again.exception and not again.error


def test_presentation_mode_draws_short_tables_as_large_text(app):
    from dashboard import open_dataset
    from dashboard.funnel import funnel

    app.query_params["present"] = "1"
    app.run()
    app.switch_page("pages/2_Funnel.py").run()
    assert not app.exception
    expected = funnel(open_dataset("sample"))
    shown = app.table[0].value  # st.table (text the projector CSS enlarges), not the canvas grid
    assert shown["Customers"].tolist() == [f"{n:,}" for n in expected["customers"]]
    assert shown["Step"].tolist() == expected["step"].tolist()
    app.sidebar.toggle(key="jl_present").set_value(False).run()
    assert not app.table and app.dataframe[0].value["Customers"].tolist() == expected["customers"].tolist()


def test_the_funnel_tab_is_kept_in_the_link_and_only_the_open_tab_is_computed(app):
    app.query_params["tab"] = "drill"
    app.run()
    app.switch_page("pages/2_Funnel.py").run()
    assert not app.exception and not app.warning
    assert link(app) == "/Funnel?tab=drill"
    keys = {w.key for w in app.selectbox}
    assert "opt_drill" in keys and "opt_by" not in keys  # the breakdown tab is closed: not computed
    app.query_params.clear()
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    fresh.query_params["tab"] = "sideways"
    fresh.run()
    fresh.switch_page("pages/2_Funnel.py").run()
    assert "tab\\=sideways" in fresh.warning[0].value and "opt_by" in {w.key for w in fresh.selectbox}
