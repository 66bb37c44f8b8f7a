"""The built-in sample: seeded, realistic customer journeys and matching transcripts.

About 5,000 customers and 50,000 touchpoints in 2025 over eight channels (web,
email, paid ads, social, app, chatbot, call centre, store) and the five lifecycle
stages, with drop-off that depends on the segment, skipped stages (straight from
awareness to conversion) and loops back (re-evaluating after a first purchase).
Segments: region, plan, campaign (acquisition campaign) and device; revenue on
purchases and renewals. Every chatbot and call-centre touchpoint has a chance of a
transcript, whose tone depends on the stage and on how the journey goes on.

Run ``python -m dashboard.sample --out data/sample`` to write the CSV files.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250101
EXTRACT_END = pd.Timestamp("2025-12-31 23:59:59", tz="UTC")  # the extract's cut-off: later journeys are in progress
STAGES = ["awareness", "consideration", "conversion", "retention", "advocacy"]
CHANNELS = {
    "awareness": {"paid ads": .35, "social": .30, "web": .20, "email": .10, "store": .05},
    "consideration": {"web": .40, "email": .18, "chatbot": .12, "paid ads": .10, "social": .08, "store": .06, "call centre": .06},
    "conversion": {"web": .45, "app": .15, "store": .20, "call centre": .12, "chatbot": .08},
    "retention": {"app": .33, "email": .25, "call centre": .16, "chatbot": .13, "web": .13},
    "advocacy": {"social": .45, "web": .25, "email": .15, "app": .15},
}
TOUCHPOINTS = {
    "paid ads": {"awareness": ["display ad impression", "search ad click"], "consideration": ["retargeting ad click"]},
    "social": {"awareness": ["social post view", "influencer video"], "consideration": ["social comparison thread"],
               "advocacy": ["shared a review", "referred a friend"]},
    "web": {"awareness": ["blog visit"], "consideration": ["pricing page", "product comparison", "demo request"],
            "conversion": ["checkout"], "retention": ["help centre article"], "advocacy": ["wrote a review"]},
    "email": {"awareness": ["newsletter open"], "consideration": ["nurture email click"], "retention": ["onboarding email", "renewal reminder"],
              "advocacy": ["referral invite"]},
    "store": {"awareness": ["store walk-in"], "consideration": ["in-store demo"], "conversion": ["in-store purchase"]},
    "chatbot": {"consideration": ["chatbot question"], "conversion": ["chatbot checkout help"], "retention": ["chatbot support"]},
    "call centre": {"consideration": ["sales call"], "conversion": ["phone order"], "retention": ["support call", "cancellation call"]},
    "app": {"conversion": ["in-app purchase"], "retention": ["app session", "in-app renewal"], "advocacy": ["app rating"]},
}
REGIONS = {"North America": .35, "Europe": .30, "Asia-Pacific": .25, "Latin America": .10}
PLANS = {"basic": .45, "plus": .35, "premium": .20}
PRICES = {"basic": 49.0, "plus": 99.0, "premium": 249.0}
CAMPAIGNS = {"spring sale": .22, "brand search": .20, "referral": .12, "social video": .18, "newsletter": .10, "organic": .18}
DEVICES = {"desktop": .50, "mobile": .42, "tablet": .08}
EVENTS_PER_VISIT = {"awareness": 4.2, "consideration": 4.8, "conversion": 2.0, "retention": 6.5, "advocacy": 2.6}
DAYS_TO_NEXT = {"awareness": 6, "consideration": 12, "conversion": 25, "retention": 45}
GAP_DAYS = {"awareness": 1.5, "consideration": 2.0, "conversion": 0.3, "retention": 12, "advocacy": 6}


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array(list(weights.values()))
    return keys[rng.choice(len(keys), p=p / p.sum())]


def _progress_chance(stage: str, who: dict) -> float:
    chance = {"awareness": .64, "consideration": .44, "conversion": .66, "retention": .36}[stage]
    if stage == "consideration":
        chance += {"referral": .16, "brand search": .08, "social video": -.08, "spring sale": .03}.get(who["campaign"], 0)
        chance += {"mobile": -.07, "tablet": -.04}.get(who["device"], 0)
        chance += {"Europe": .05, "Latin America": -.07}.get(who["region"], 0)
    if stage == "conversion":
        chance += {"premium": .10, "basic": -.06}.get(who["plan"], 0)
    if stage == "retention":
        chance += {"referral": .12}.get(who["campaign"], 0)
    return float(np.clip(chance, .05, .95))


def _stage_path(rng: np.random.Generator, who: dict) -> list[str]:
    """The sequence of stage visits: drop-off, skips and loops back."""
    path = ["awareness"] if rng.random() > .12 else []
    current = "awareness"
    while current != "advocacy":
        if not rng.random() < _progress_chance(current, who):
            break
        nxt = STAGES[STAGES.index(current) + 1]
        if current == "awareness" and rng.random() < .06:
            nxt = "conversion"  # impulse purchase: consideration skipped
        if nxt == "consideration" and path and rng.random() < .18:
            path += ["consideration", "awareness"]  # back to browsing before deciding
        if nxt == "retention" and rng.random() < .10:
            path += ["retention", "consideration"]  # re-evaluates after the first purchase
        path.append(nxt)
        current = nxt
    return path or ["consideration"]


def generate(customers: int = 5000, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (events, transcripts) DataFrames for ``customers`` customers."""
    rng = np.random.default_rng(seed)
    rows, conversations = [], []
    start = pd.Timestamp("2025-01-01", tz="UTC")
    for n in range(1, customers + 1):
        who = {"customer_id": f"C{n:05d}", "region": _pick(rng, REGIONS), "plan": _pick(rng, PLANS),
               "campaign": _pick(rng, CAMPAIGNS), "device": _pick(rng, DEVICES)}
        t = start + pd.Timedelta(days=float(rng.uniform(0, 320))) + pd.Timedelta(hours=float(rng.uniform(7, 22)))
        path = _stage_path(rng, who)
        reached_end = path[-1]
        for visit, stage in enumerate(path):
            if visit:
                t += pd.Timedelta(days=float(rng.exponential(DAYS_TO_NEXT.get(path[visit - 1], 5))) + .05)
            for k in range(max(1, rng.poisson(EVENTS_PER_VISIT[stage]))):
                if k:
                    t += pd.Timedelta(days=float(rng.exponential(GAP_DAYS[stage])))
                channel = _pick(rng, CHANNELS[stage])
                options = TOUCHPOINTS[channel].get(stage) or [f"{channel} visit"]
                touchpoint = options[rng.integers(len(options))]
                revenue = None
                if touchpoint in ("checkout", "in-store purchase", "phone order", "in-app purchase") and k == 0:
                    revenue = round(PRICES[who["plan"]] * float(rng.uniform(.9, 1.3)), 2)
                elif touchpoint in ("in-app renewal",):
                    revenue = PRICES[who["plan"]]
                rows.append({**who, "event_time": t.floor("s"), "journey_stage": stage, "channel": channel,
                             "touchpoint": touchpoint, "revenue": revenue})
                if channel in ("chatbot", "call centre") and rng.random() < .7:
                    conversations.append(_conversation(rng, who["customer_id"], t, channel, stage, reached_end, len(conversations) + 1))
    events = pd.DataFrame(rows)
    turns = pd.DataFrame([turn for conv in conversations for turn in conv])
    events = events[events["event_time"] <= EXTRACT_END].reset_index(drop=True)
    turns = turns[turns["timestamp"] <= EXTRACT_END].reset_index(drop=True)
    return events, turns


OPENERS = {
    "positive": ["Hi, I wanted to say the setup was really easy.", "Hello! Quick question, everything works great so far.",
                 "Hi there, I love the new features and want to upgrade."],
    "neutral": ["Hi, I have a question about my plan.", "Hello, I need to check the delivery date of my order.",
                "Hi, can you tell me how the pricing works for the plus plan?"],
    "negative": ["I have been charged twice and nobody answers my emails.", "The app keeps crashing and I am really frustrated.",
                 "My order is late again and this is the third time I call.", "I was promised a refund two weeks ago and still nothing."],
}
MIDDLES = {
    "positive": ["That sounds great, thank you.", "Perfect, that is exactly what I needed.", "Brilliant, the team has been very helpful."],
    "neutral": ["Okay, I see.", "Fine, what do I need to send you?", "The order number is on the invoice."],
    "negative": ["That is not acceptable, I want to cancel.", "This is terrible service and a waste of my time.",
                 "I am disappointed, nothing works as promised.", "No, that did not fix the problem at all."],
}
CLOSERS = {
    "improving": ["Okay, thanks, that solves it. I appreciate the help.", "Great, it works now. Thank you so much!"],
    "steady": ["Alright, thanks.", "Okay, I will wait then."],
    "worsening": ["Forget it, I am cancelling my subscription.", "This is useless. I will go to a competitor."],
}
AGENT = ["Thanks for reaching out, I am happy to help.", "I understand, let me check that for you.",
         "I am sorry about the trouble. I have escalated this for you.", "Is there anything else I can help with?",
         "I have applied a credit to your account.", "Thank you for your patience."]


def _conversation(rng, customer_id, t, channel, stage, reached_end, number) -> list[dict]:
    bad_odds = {"retention": .45, "consideration": .2, "conversion": .25}.get(stage, .2)
    if reached_end == stage and stage != "advocacy":
        bad_odds += .2  # journeys that stop here more often had a bad conversation
    mood = "negative" if rng.random() < bad_odds else ("positive" if rng.random() < .45 else "neutral")
    ending = {"negative": ["worsening", "improving", "steady"], "neutral": ["steady", "improving"], "positive": ["improving", "steady"]}[mood]
    arc = ending[rng.integers(len(ending))]
    lines = [("Customer", OPENERS[mood][rng.integers(len(OPENERS[mood]))])]
    for _ in range(int(rng.integers(1, 4))):
        lines.append(("Agent", AGENT[rng.integers(len(AGENT))]))
        lines.append(("Customer", MIDDLES[mood][rng.integers(len(MIDDLES[mood]))]))
    lines.append(("Agent", AGENT[rng.integers(len(AGENT))]))
    lines.append(("Customer", CLOSERS[arc][rng.integers(len(CLOSERS[arc]))]))
    conv_id = f"{'CALL' if channel == 'call centre' else 'CHAT'}-{number:05d}"
    return [{"conversation_id": conv_id, "customer_id": customer_id, "timestamp": (t + pd.Timedelta(seconds=40 * i)).floor("s"),
             "channel": channel, "turn_index": i + 1, "speaker": speaker, "text": text} for i, (speaker, text) in enumerate(lines)]


def install_sample(store) -> None:
    """Generate the sample and store it under the id 'sample', with its transcripts scored and linked."""
    from .api import read_events

    events, turns = generate()
    dataset = read_events(events, store=store, name="Sample: subscription journeys 2025", origin="sample",
                          file_name="sample_events.parquet", dataset_id="sample")
    from .conversations import attach_transcripts

    attach_transcripts(dataset.id, turns, store=store, file_name="sample_transcripts.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the Journey Lens sample as CSV files.")
    parser.add_argument("--out", default="data/sample", help="folder to write events.csv and transcripts.csv into")
    parser.add_argument("--customers", type=int, default=5000)
    args = parser.parse_args()
    events, turns = generate(args.customers)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    events.to_csv(out / "events.csv", index=False)
    turns.to_csv(out / "transcripts.csv", index=False)
    print(f"Wrote {len(events):,} touchpoints and {turns.conversation_id.nunique():,} conversations to {out}")


if __name__ == "__main__":
    main()
