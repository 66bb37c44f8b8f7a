"""Tone scoring, speaker parsing, quarters, the not-scored rule, and transcripts joined to journeys."""
import math

import pandas as pd
import pytest

from conftest import spark_table
from dashboard import read_events
from dashboard.conversations import attach_transcripts, load_conversations
from dashboard.errors import MappingError, NoValidRowsError
from dashboard.sentiment import conversations_in_view, in_view, tone_by, tone_outcomes, trajectory
from dashboard.sources import connect_table
from dashboard.tone import conversation_tone, label, quarter_of, score_text, score_turns
from dashboard.transcripts import read_transcripts, speaker_role, split_conversation


@pytest.mark.parametrize("text,expected", [
    ("I love it", 0.6369), ("This is terrible.", -0.4767), ("My order number is 123", 0.0772),
    ("Great service. Awful app.", (0.6249 - 0.4588) / 2),  # mean of the two sentences, not one compound
])
def test_vader_values_per_sentence(text, expected):
    assert score_text(text, adjust=False) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("text,raw,adjusted", [
    ("no thanks", -0.3412, 0.0),
    ("I don't care", -0.3875, 0.0),
    ("Please fix this, thanks", 0.6369, 0.0),
    ("Thanks!", 0.4926, 0.4926),
])
def test_domain_adjustments_switch_on_and_off(text, raw, adjusted):
    assert score_text(text, adjust=False) == pytest.approx(raw, abs=1e-4)
    assert score_text(text, adjust=True) == pytest.approx(adjusted, abs=1e-4)


def test_politeness_does_not_turn_a_complaint_positive():
    assert score_text("This is terrible, please help. Thanks", adjust=False) > 0
    assert score_text("This is terrible, please help. Thanks") < 0


@pytest.mark.parametrize("text", ["주문이 늦었어요", "1234 5678", "   ", "", None, "…!!"])
def test_text_vader_cannot_read_is_not_scored(text):
    assert math.isnan(score_text(text)) and label(score_text(text)) == "not scored"


def test_labels_use_the_conventional_thresholds():
    assert [label(v) for v in (0.05, 0.0499, -0.0499, -0.05)] == ["positive", "neutral", "neutral", "negative"]


def test_speaker_labels_on_messy_text():
    text = ("Agent: Hello, how can I help?\nCustomer: My order is late.\nIt was due Monday.\n"
            "[Rep] Sorry about that!\nCaller – thanks anyway\n\nNote: this is not a speaker\nBot: Survey sent")
    assert split_conversation(text) == [
        ("Agent", "Hello, how can I help?"), ("Customer", "My order is late.\nIt was due Monday."),
        ("Rep", "Sorry about that!"), ("Caller", "thanks anyway\nNote: this is not a speaker"), ("Bot", "Survey sent")]
    assert [speaker_role(s) for s in ["Agent (Sam)", "caller", "CLIENT", "Advisor", "IVR", "Visitor", "Dave"]] == [
        "agent", "customer", "customer", "agent", "other", "customer", "other"]


@pytest.mark.parametrize("turns,expected", [(1, [1]), (2, [1, 3]), (3, [1, 2, 3]), (5, [1, 1, 2, 3, 4]),
                                            (40, [1] * 10 + [2] * 10 + [3] * 10 + [4] * 10)])
def test_quarter_split(turns, expected):
    index = pd.Series(range(1, turns + 1))
    assert quarter_of(index, pd.Series([turns] * turns)).tolist() == expected


def test_conversation_tone_by_speaker_and_quarter():
    scored = pd.DataFrame({
        "conversation_id": ["a"] * 4 + ["b"],
        "turn_index": [1, 2, 3, 4, 1],
        "speaker": ["customer", "agent", "customer", "customer", "customer"],
        "compound": [-0.6, 0.5, -0.2, 0.4, float("nan")],
        "label": ["negative", "positive", "negative", "positive", "not scored"],
    })
    tone = conversation_tone(scored).set_index("conversation_id")
    assert tone.loc["a", "customer_tone"] == pytest.approx((-0.6 - 0.2 + 0.4) / 3)
    assert tone.loc["a", "agent_tone"] == 0.5 and tone.loc["a", "negative_share"] == pytest.approx(2 / 3)
    assert tone.loc["a", ["q1", "q3", "q4"]].tolist() == [-0.6, -0.2, 0.4] and math.isnan(tone.loc["a", "q2"])
    assert tone.loc["a", "shift"] == "improving" and tone.loc["a", "change"] == pytest.approx(0.4 - -0.6)
    assert tone.loc["b", "shift"] == "not scored" and math.isnan(tone.loc["b", "customer_tone"])


def test_score_turns_columns(tmp_path):
    turns = pd.DataFrame({"conversation_id": ["c"] * 3, "turn_index": [1, 2, 3], "speaker": ["customer", "agent", "customer"],
                          "text": ["I hate this", "Sorry to hear that", "좋아요"]})
    scored = score_turns(turns)
    assert list(scored.columns) == ["conversation_id", "turn_index", "speaker", "compound", "label"]
    assert scored["label"].tolist() == ["negative", "negative", "not scored"]


def test_both_file_shapes_read_the_same(tmp_path):
    turn_file = tmp_path / "turns.csv"
    turn_file.write_text("conversation_id,turn_index,speaker,text,customer_id,timestamp,channel\n"
                         "k1,2,Agent,Happy to help,c1,2025-01-05 10:00,Chat\nk1,1,Customer,My bill is wrong,c1,2025-01-05 10:00,Chat\n"
                         "k2,1,Customer,,c2,2025-01-06,call\n")
    conv_file = tmp_path / "conversations.csv"
    conv_file.write_text('conversation_id,customer_id,started_at,channel,transcript\n'
                         'k1,c1,2025-01-05 10:00,Chat,"Customer: My bill is wrong\nAgent: Happy to help"\n')
    turns, report = read_transcripts(turn_file)
    whole, report2 = read_transcripts(conv_file)
    assert turns[["conversation_id", "turn_index", "speaker", "text", "channel"]].values.tolist() == [
        ["k1", 1, "customer", "My bill is wrong", "chat"], ["k1", 2, "agent", "Happy to help", "chat"]]
    assert report["set_aside_reasons"] == {"empty text": 1} and report["shape"] == "turns"
    assert whole[["conversation_id", "turn_index", "speaker", "text", "channel"]].values.tolist() == turns[
        ["conversation_id", "turn_index", "speaker", "text", "channel"]].values.tolist()
    assert report2["shape"] == "conversations"


def test_unusable_transcripts_get_plain_messages(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("conversation_id,speaker,text\nk1,Agent,\nk1,Customer,  \n")
    with pytest.raises(NoValidRowsError, match="None of the 2 transcript rows has any text"):
        read_transcripts(path)
    with pytest.raises(MappingError, match="need a conversation id and a speaker column"):
        read_transcripts(pd.DataFrame({"speaker": ["a"], "text": ["x"]}), mapping={"shape": "turns"})


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def journeys_with_calls(request, store):
    """Two customers' journeys, loaded (DuckDB) or left in a local Spark session (connected), with five conversations."""
    day = lambda n: pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(days=n)
    events = pd.DataFrame({"customer_id": ["c1", "c1", "c1", "c2"], "event_time": [day(0), day(5), day(9), day(1)],
                           "journey_stage": ["awareness", "consideration", "conversion", "awareness"], "region": ["EU", "EU", "EU", "US"]})
    if request.param == "duckdb":
        dataset = read_events(events, store=store)
    else:
        connection = request.getfixturevalue("spark_connection")
        dataset = connect_table(connection, spark_table(connection, "calls_journeys", events), store=store,
                                mapping={"segments": ["region"]})
    turns = pd.DataFrame({
        "conversation_id": ["a", "a", "b", "c", "d"], "turn_index": [1, 2, 1, 1, 1],
        "speaker": ["Customer", "Agent", "Customer", "Customer", "Customer"],
        "text": ["This is awful", "So sorry", "I love it", "Great", "Bad"],
        "customer_id": ["c1", "c1", "c1", "zz", "c2"],
        "timestamp": [day(6), day(6), day(10), day(3), day(0)], "channel": ["call", "call", "chat", "chat", "call"]})
    return attach_transcripts(dataset.id, turns, store=store)


def test_attached_conversations_get_the_stage_at_their_time(journeys_with_calls):
    """The same numbers whether the touchpoints are in the app (DuckDB) or in Spark (the join runs there)."""
    dataset = journeys_with_calls
    conversations, stored_turns = load_conversations(dataset)
    conv = conversations.set_index("conversation_id")
    assert conv["stage_at"].to_dict() == {"a": "consideration", "b": "conversion", "c": "(unknown)", "d": "(unknown)"}
    assert conv["linked"].to_dict() == {"a": True, "b": True, "c": False, "d": True}
    assert dataset.manifest["transcripts"]["unlinked"] == 1
    kept = in_view(dataset.filter(segments={"region": ["EU"]}), conversations)
    assert sorted(kept["conversation_id"]) == ["a", "b"]
    assert tone_by(conversations, "channel")["conversations"].sum() == 4
    outcomes = tone_outcomes(dataset, conversations).set_index("group")
    assert outcomes.loc["negative", ["customers", "converted_after"]].tolist() == [2, 1]
    assert trajectory(conversations)["all_conversations"].tolist() == [4, 0, 0, 0]
    shown = conversations_in_view(dataset.filter(segments={"region": ["EU"]}))
    assert sorted(shown["conversation_id"]) == ["a", "b"] and set(shown["region"]) == {"EU"}


def test_negative_topics_count_turns_per_topic_and_give_two_different_examples():
    from dashboard.sentiment import negative_topics

    billing = ["I was charged twice on my bill"] * 15 + ["my bill charged me twice again"] * 5
    crashes = ["the app keeps crashing on login"] * 20
    texts = billing + crashes
    turns = pd.DataFrame({"conversation_id": [f"c{i}" for i in range(len(texts))], "speaker": "customer", "label": "negative",
                          "text": texts})
    topics = negative_topics(turns, pd.DataFrame({"conversation_id": turns["conversation_id"]}), topics=2)
    assert sorted(topics["turns"].tolist()) == [20, 20] and topics["turns"].sum() == 40
    bill = topics[topics["top_terms"].str.contains("charged")].iloc[0]
    assert {bill["example_1"], bill["example_2"]} == {"I was charged twice on my bill", "my bill charged me twice again"}
    crash = topics[topics["top_terms"].str.contains("crashing")].iloc[0]
    assert "crashing" not in bill["top_terms"] and "charged" not in crash["top_terms"]  # a topic lists only its own words
    assert crash["example_1"] == "the app keeps crashing on login" and crash["example_2"] == ""  # all its turns say the same
