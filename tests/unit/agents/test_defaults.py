from __future__ import annotations

from collections import Counter

from agentfloor.agents.defaults import default_training
from agentfloor.agents.nlu import IntentMethod, train_intent_model
from agentfloor.agents.skills.parse import builtin_skills

INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "human", "order_status", "book_appointment",
    "reschedule_appointment", "cancel_appointment", "lead_interest", "verify_identity",
    "update_details", "feedback", "opening_hours", "delivery_options", "returns_policy",
}  # fmt: skip

# Phrasings that are not in the examples, one or two per intent.
HELD_OUT = [
    ("hello, can you help me", "greet"),
    ("ok thanks, bye now", "goodbye"),
    ("thank you very much for that", "thanks"),
    ("yes that is fine", "affirm"),
    ("no, not that", "deny"),
    ("I would like to talk to a real agent", "human"),
    ("I want a person", "human"),
    ("where is my parcel, it has not come", "order_status"),
    ("my order still has not arrived", "order_status"),
    ("I want to book an appointment for Wednesday", "book_appointment"),
    ("can I move my appointment to another time", "reschedule_appointment"),
    ("please cancel my appointment on Monday", "cancel_appointment"),
    ("how much would it cost for my company", "lead_interest"),
    ("is there a free demo", "lead_interest"),
    ("can you verify who I am", "verify_identity"),
    ("I need to change my address", "update_details"),
    ("I would like to leave some feedback", "feedback"),
    ("what time do you open on Saturday", "opening_hours"),
    ("do you do next day delivery", "delivery_options"),
    ("how can I return my item for a refund", "returns_policy"),
]


def test_every_default_intent_has_enough_distinct_examples() -> None:
    examples, _ = default_training()
    counts = Counter(intent for _, intent in examples)
    assert set(counts) == INTENTS
    assert min(counts.values()) >= 20, counts
    assert len({text.casefold() for text, _ in examples}) == len(examples)  # no repeats
    assert all(isinstance(text, str) and text.strip() for text, _ in examples)


def test_answers_are_for_defined_faq_intents_only() -> None:
    examples, answers = default_training()
    assert set(answers) == {"opening_hours", "delivery_options", "returns_policy"}
    assert set(answers) <= {intent for _, intent in examples}
    assert all(len(answer) > 20 for answer in answers.values())


def test_every_builtin_skill_intent_is_a_default_intent() -> None:
    assert builtin_skills().intents <= INTENTS


def test_callers_get_their_own_copies() -> None:
    examples, answers = default_training()
    examples.append(("my own", "mine"))
    answers["mine"] = "ours"
    again, again_answers = default_training()
    assert ("my own", "mine") not in again and "mine" not in again_answers


def test_a_tfidf_model_on_the_defaults_understands_new_phrasings() -> None:
    examples, _ = default_training()
    model = train_intent_model(examples, method=IntentMethod.TFIDF)
    predictions = model.predict_many([text for text, _ in HELD_OUT])
    right = [p.intent == intent for p, (_, intent) in zip(predictions, HELD_OUT, strict=True)]
    wrong = [
        (text, p.intent)
        for p, (text, intent) in zip(predictions, HELD_OUT, strict=True)
        if p.intent != intent
    ]
    assert sum(right) / len(HELD_OUT) >= 0.9, wrong
    in_scope = sum(not p.out_of_scope for p in predictions)
    assert in_scope / len(HELD_OUT) >= 0.8
