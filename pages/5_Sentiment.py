"""Sentiment: the tone of call-centre and chat conversations, joined to journeys."""
import streamlit as st

from dashboard import charts, sentiment as tone, ui
from dashboard.takeaways import tone_over_time_takeaway
from dashboard.ui import sentiment_views as views

dataset = ui.active_dataset()
st.title("Sentiment")
st.caption("Tone is VADER's score of what was said, from −1 (very negative) to +1 (very positive), averaged per sentence and turn; "
           "it is not a satisfaction score.")
conversations = ui.compute("conversations_in_view", dataset)
info = dataset.manifest.get("transcripts", {})
if conversations.empty:
    if info and not dataset.filters.is_default_view():  # attached, but none of these customers'
        ui.no_customers(dataset.id, "conversations of the customers in view")
    else:
        st.info("No transcripts in this view. Attach call or chat transcripts on the Data page (Transcripts).")
    st.stop()
scored = conversations["customer_tone"].notna()
scope = "all conversations, unlinked included" if dataset.filters.is_default_view() else "conversations of the customers in view"
how = f"Counts conversations ({scope}; {int(scored.sum()):,} with scored customer turns). Filters: {dataset.filters.describe()}."
st.caption(ui.plain(f"{len(conversations):,} conversations in view · {info.get('not_scored', 0):,} turns not scored in the file "
                    "(no English words VADER knows, e.g. other scripts)."))
distribution = tone.tone_distribution(conversations)
ui.key_figures([("Conversations", f"{len(conversations):,}", None), ("Mean customer tone", f"{conversations['customer_tone'].mean():+.2f}", "−1 … +1"),
                ("Negative customer tone", f"{(conversations['customer_tone'] <= -0.05).mean():.0%}", "Share of conversations with customer tone ≤ −0.05.")])
ui.chart_block(charts.tone_distribution_chart(distribution), distribution, caption=how,
               takeaway=f"Mean customer tone {conversations['customer_tone'].mean():+.2f}, agent tone {conversations['agent_tone'].mean():+.2f}; "
                        f"{(conversations['customer_tone'] <= -0.05).mean():.0%} of conversations have a negative customer tone.",
               file_name="journey-tone-distribution", key="dist")
options = {"stage_at": "Journey stage at the time", "channel": "Channel"} | {c: f"Segment: {l}" for c, l in dataset.segments.items()}
by = ui.choice("Tone by", "tone_by", list(options), "stage_at", format_func=options.get)
grouped = tone.tone_by(conversations, by)
if len(grouped):
    worst = grouped.iloc[0]
    ui.chart_block(charts.tone_by_chart(grouped, options[by]), grouped, caption=how + " Bars: mean customer tone; labels: conversations.",
                   takeaway=f"Lowest customer tone: {worst['group']} (mean {worst['customer_tone']:+.2f}, {worst['negative_pct']:.0f}% negative, "
                            f"{int(worst['conversations']):,} conversations).", file_name=f"journey-tone-by-{by}", key="by")
freq = ui.choice("Tone over time by", "tone_period", ["week", "month"], "month", widget="segmented_control")
over_time = tone.tone_over_time(conversations, freq)
ui.chart_block(charts.tone_over_time_chart(over_time), over_time, caption=f"Mean customer tone per {freq} of the conversation (UTC). {how}",
               takeaway=tone_over_time_takeaway(over_time, freq), file_name=f"journey-tone-by-{freq}", key="time")
path = tone.trajectory(conversations)
st.subheader("Within the conversation")
ui.chart_block(charts.trajectory_chart(path), path,
               caption="Mean customer tone in each quarter of the conversation (by turn position); 'worsening' = last quarter at least 0.1 below the first.",
               takeaway=f"{(conversations['shift'] == 'worsening').sum():,} conversations worsen and {(conversations['shift'] == 'improving').sum():,} improve.",
               file_name="journey-tone-trajectory", key="trajectory")
turns = views.stored_turns(dataset.id, str(dataset.manifest.get("updated_at")))
st.subheader("Most negative conversations")
negative = tone.most_negative(conversations)
ui.show_table(views.negative_conversations_table(negative), wrap=True)
ids = negative["conversation_id"].astype(str).tolist()
chosen = ui.choice("Read a conversation", "conversation", ids, ids[0] if ids else "") if ids else None
if chosen:
    views.transcript(turns, chosen)
st.subheader("What negative conversations are about")
c1, c2 = st.columns(2)
stage_at = ui.choice("Stage at the time", "topic_stage", [""] + sorted(conversations["stage_at"].dropna().unique()), "", container=c1,
                     format_func=lambda v: v or "All stages")
channel = ui.choice("Channel", "topic_channel", [""] + sorted(conversations["channel"].dropna().unique()), "", container=c2,
                    format_func=lambda v: v or "All channels")
topics = ui.compute("negative_topics_in_view", dataset, stage_at or None, channel or None)
ui.show_table(topics, wrap=True)  # the example turns are read in full
st.caption("Topics of negative customer turns (TF-IDF + NMF); examples are the turns most typical of each topic.")
outcomes = ui.compute("tone_outcomes_in_view", dataset)
st.subheader("Tone and outcomes")
ui.show_table(outcomes)
st.caption("Customers by the tone of their first conversation in view, and the share who reached the conversion stage "
           "(and the stage after it, where there is one) at or after that conversation.")
if not ui.presenting():  # like the exports under the charts
    c1, c2 = st.columns(2)
    ui.download_csv("Download conversations (CSV)", conversations, what="journey-conversations-tone", key="dl_conv", container=c1)
    ui.download_csv("Download scored turns (CSV)", turns[turns["conversation_id"].isin(conversations["conversation_id"])],
                    what="journey-scored-turns", key="dl_turns", container=c2)
ui.show_problems()
ui.write_url(["tone_by", "tone_period", "conversation", "topic_stage", "topic_channel"])
