"""The dialogue manager: slot filling, digressions, skill switches, results and handoffs."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from agentfloor.agents.dialogue import (
    ANYTHING_ELSE,
    START_AGAIN,
    STILL_WORKING,
    WHAT_ELSE,
    DialogueOutcome,
    DialoguePolicy,
    DialogueState,
    DialogueStep,
    Finished,
    HandOff,
    HandoffReason,
    HandoffSummary,
    Reply,
    RunAction,
    Turn,
    Understanding,
    action_done,
    begin,
    hear,
)
from agentfloor.agents.skills.model import (
    ActionKind,
    HandoffRule,
    Skill,
    SkillAction,
    SkillSet,
    SkillSlot,
)
from agentfloor.flows.model import QuestionKind, Slot, SlotType

ORDER_PROMPT = "What's your order number?"
ORDER_HINT = "Please give your order number as it appears on your receipt."
HOURS = "We're open 9 to 5, Monday to Friday."

ORDER_STATUS = Skill(
    name="order_status",
    description="Check the status of an order.",
    intents=("order_status",),
    slots=(SkillSlot(Slot("order_id", SlotType.ORDER_ID), ORDER_PROMPT),),
    action=SkillAction(ActionKind.BUILTIN, "order_status"),
    success="Order {order_id} is {result.status}.",
    not_found="I couldn't find order {order_id}.",
)
BOOKING = Skill(
    name="appointment_book",
    description="Book an appointment",
    intents=("book_appointment",),
    slots=(
        SkillSlot(Slot("date", SlotType.DATE), "Which day would suit you?"),
        SkillSlot(Slot("time", SlotType.TIME), "What time?", reprompt="A time like 14:30, please."),
    ),
    action=SkillAction(ActionKind.BUILTIN, "appointment_book"),
    confirm="Shall I book {date} at {time}?",
    success="You're booked for {date} at {time}.",
)
RETURNS = Skill(
    name="returns",
    description="Return an item",
    intents=("return_item",),
    slots=(
        SkillSlot(Slot("order_id", SlotType.ORDER_ID), ORDER_PROMPT),
        SkillSlot(Slot("reason", SlotType.TEXT), "Why are you returning it?"),
    ),
    action=SkillAction(ActionKind.WEBHOOK, url="https://shop.example/returns"),
    success="Your return for {order_id} is registered.",
)
LEAD = Skill(
    name="lead",
    description="Talk about buying",
    intents=("sales_enquiry",),
    slots=(
        SkillSlot(Slot("budget", SlotType.MONEY), "What budget do you have in mind?"),
        SkillSlot(
            Slot("timeline", SlotType.ENUM, values=("this_month", "this_quarter", "later")),
            "When would you like to start?",
        ),
        SkillSlot(Slot("email", SlotType.EMAIL), "Your e-mail, if you'd like?", required=False),
    ),
    action=SkillAction(ActionKind.BUILTIN, "lead_score"),
    success="Thanks! Your score is {result.score}.",
    handoff=(HandoffRule("task.hot == true", "hot lead", "sales"),),
)
SURVEY = Skill(
    name="survey",
    description="Rate us",
    intents=("feedback",),
    slots=(
        SkillSlot(
            Slot("csat", SlotType.NUMBER), "From 1 to 5, how did we do?", scale=QuestionKind.CSAT
        ),
    ),
    action=SkillAction(ActionKind.NONE),
    success="Thanks for your feedback.",
)
SKILLS = SkillSet({s.name: s for s in (ORDER_STATUS, BOOKING, RETURNS, LEAD, SURVEY)})
POLICY = DialoguePolicy(answers={"opening_hours": HOURS})


def said(
    text: str,
    intent: str | None = None,
    entities: Mapping[str, object] | None = None,
    *,
    sentiment: float = 0.0,
    guess: str | None = None,
    confidence: float = 0.9,
) -> Understanding:
    return Understanding(text, intent, confidence, guess or intent, entities or {}, sentiment)


def replies(step: DialogueStep) -> list[str]:
    return [o.text for o in step.outputs if isinstance(o, Reply)]


def only(step: DialogueStep, kind: type[object]) -> object:
    found = [o for o in step.outputs if isinstance(o, kind)]
    assert len(found) == 1, step.outputs
    return found[0]


def run_action(step: DialogueStep) -> RunAction:
    action = only(step, RunAction)
    assert isinstance(action, RunAction)
    return action


def hand_off(step: DialogueStep) -> HandOff:
    handoff = only(step, HandOff)
    assert isinstance(handoff, HandOff)
    assert step.outputs[-1] is handoff  # terminal
    assert step.state.is_done and step.state.outcome is DialogueOutcome.HANDOFF
    return handoff


def finished(step: DialogueStep) -> Finished:
    end = only(step, Finished)
    assert isinstance(end, Finished)
    assert step.outputs[-1] is end
    assert step.state.is_done
    return end


def talk(
    state: DialogueState, *messages: Understanding, policy: DialoguePolicy = POLICY
) -> DialogueStep:
    step = DialogueStep(state)
    for message in messages:
        step = hear(SKILLS, policy, step.state, message)
    return step


def start(**attributes: object) -> DialogueState:
    return begin(SKILLS, POLICY, attributes=attributes).state


def asking_order_id(**attributes: object) -> DialogueState:
    state = talk(start(**attributes), said("where is my order", "order_status")).state
    assert state.pending == "order_id"
    return state


# --- a whole conversation -------------------------------------------------------------------------


def test_order_status_from_greeting_to_goodbye() -> None:
    first = begin(SKILLS, POLICY, attributes={"customer_id": "c-1"})
    assert first.outputs == ()
    assert first.state.skill is None and not first.state.is_done

    greeted = hear(SKILLS, POLICY, first.state, said("hello", "greet"))
    assert replies(greeted) == [POLICY.greeting]

    asked = hear(SKILLS, POLICY, greeted.state, said("where is my order?", "order_status"))
    assert replies(asked) == [ORDER_PROMPT]
    assert (asked.state.skill, asked.state.pending) == ("order_status", "order_id")

    filled = hear(SKILLS, POLICY, asked.state, said("it's ord-123456"))
    action = run_action(filled)
    assert filled.outputs == (action,)
    assert action.request_id == "order_status:1"
    assert action.skill == "order_status"
    assert action.action == ORDER_STATUS.action
    assert action.slots == {"order_id": "ORD-123456"}
    assert action.context == {"customer_id": "c-1", "order_id": "ORD-123456"}
    assert filled.state.request_id == "order_status:1"

    done = action_done(SKILLS, POLICY, filled.state, "order_status:1", True, {"status": "shipped"})
    assert replies(done) == ["Order ORD-123456 is shipped.", ANYTHING_ELSE]
    assert done.state.skill is None and done.state.slots == {}
    assert done.state.completed == ("order_status",)
    assert done.state.collected == {"order_id": "ORD-123456"}
    assert done.state.request_id is None

    bye = hear(SKILLS, POLICY, done.state, said("bye", "goodbye"))
    assert replies(bye) == [POLICY.goodbye]
    assert finished(bye).reason == "customer finished"
    assert bye.state.outcome is DialogueOutcome.CONTAINED
    assert [t.sender for t in bye.state.transcript] == [
        "customer", "ai", "customer", "ai", "customer", "ai", "ai", "customer", "ai",
    ]  # fmt: skip


def test_an_intent_with_its_entity_runs_the_action_at_once() -> None:
    step = talk(start(), said("where is ORD-123456", "order_status", {"order_id": "ORD-123456"}))
    assert run_action(step).slots == {"order_id": "ORD-123456"}
    assert step.outputs[0] == run_action(step)


def test_request_ids_are_unique_within_a_conversation() -> None:
    step = talk(start(), said("order", "order_status", {"order_id": "ORD-111111"}))
    first = run_action(step).request_id
    step = action_done(SKILLS, POLICY, step.state, first, True, {"status": "late"})
    step = talk(step.state, said("and another", "order_status", {"order_id": "ORD-222222"}))
    assert run_action(step).request_id != first


# --- slots ----------------------------------------------------------------------------------------


def test_over_informing_fills_two_slots_in_one_message() -> None:
    asked = talk(start(), said("I'd like an appointment", "book_appointment"))
    assert replies(asked) == ["Which day would suit you?"]
    step = talk(asked.state, said("Tuesday at 3pm", None, {"date": "2026-03-17", "time": "15:00"}))
    assert step.state.slots == {"date": "2026-03-17", "time": "15:00"}
    assert replies(step) == ["Shall I book 2026-03-17 at 15:00?"]
    assert step.state.confirming


def test_over_informing_fills_other_slots_even_when_the_asked_one_fails() -> None:
    asked = talk(start(), said("appointment", "book_appointment"))
    step = talk(asked.state, said("at 3pm please", None, {"time": "15:00"}))
    assert step.state.slots == {"time": "15:00"}
    assert step.state.pending == "date" and step.state.retries == 1
    step = talk(step.state, said("2026-03-17"))
    assert replies(step) == ["Shall I book 2026-03-17 at 15:00?"]  # time is not asked


def test_entities_prefill_a_skill_when_it_starts() -> None:
    step = talk(start(), said("book me in at 10:30", "book_appointment", {"time": "10:30"}))
    assert step.state.slots == {"time": "10:30"}
    assert replies(step) == ["Which day would suit you?"]


def test_a_failed_read_says_the_hint_then_hands_off_after_max_retries() -> None:
    state = asking_order_id()
    first = talk(state, said("I don't know it"))
    assert replies(first) == [ORDER_HINT]
    assert first.state.retries == 1
    second = talk(first.state, said("no idea"))
    assert replies(second) == [ORDER_HINT]
    third = talk(second.state, said("still nothing"))
    handoff = hand_off(third)
    assert handoff.reason is HandoffReason.SLOT_RETRIES
    assert handoff.detail == "no valid order id after 3 tries"
    assert handoff.queue is None


def test_the_reprompt_wins_over_the_hint() -> None:
    asked = talk(start(), said("appointment", "book_appointment"), said("2026-03-17"))
    assert replies(asked) == ["What time?"]
    step = talk(asked.state, said("whenever"))
    assert replies(step) == ["A time like 14:30, please."]


def test_out_of_scope_messages_while_a_slot_is_asked_are_retries_not_low_confidence() -> None:
    policy = DialoguePolicy(low_confidence_limit=1)
    state = talk(start(), said("order", "order_status"), policy=policy).state
    step = talk(state, said("blah", None, guess="weather"), policy=policy)
    assert replies(step) == [ORDER_HINT]
    assert step.state.low_confidence == 0 and not step.state.is_done


def test_an_optional_slot_is_skipped_by_skip_words() -> None:
    step = talk(
        start(),
        said("I want to buy", "sales_enquiry"),
        said("about £5,000", None, {"money": {"amount_cents": 500000, "currency": "GBP"}}),
        said("this quarter", None, {"timeline": "this_quarter"}),
    )
    assert replies(step) == ["Your e-mail, if you'd like?"]
    skipped = talk(step.state, said("no thanks", "thanks"))  # a skip, not a goodbye
    action = run_action(skipped)
    assert action.slots == {
        "budget": {"amount_cents": 500000, "currency": "GBP"},
        "timeline": "this_quarter",
    }
    assert skipped.state.skipped == ("email",)


def test_an_optional_slot_is_asked_once() -> None:
    step = talk(
        start(),
        said("I want to buy", "sales_enquiry"),
        said("£200"),
        said("later"),
        said("not telling you"),
    )
    assert run_action(step).slots == {
        "budget": {"amount_cents": 20000, "currency": "GBP"},
        "timeline": "later",
    }


def test_an_optional_slot_takes_a_valid_answer() -> None:
    step = talk(
        start(), said("buy", "sales_enquiry"), said("$90"), said("1"), said("Me@Example.com")
    )
    assert run_action(step).slots["email"] == "me@example.com"
    assert run_action(step).slots["timeline"] == "this_month"


def test_a_scale_slot_reads_the_survey_scale_and_a_none_action_completes_at_once() -> None:
    asked = talk(start(), said("I'd like to give feedback", "feedback"))
    assert replies(asked) == ["From 1 to 5, how did we do?"]
    wrong = talk(asked.state, said("6"))
    assert replies(wrong) == ["Please answer with a number from 1 to 5."]
    step = talk(wrong.state, said("4"))
    assert not any(isinstance(o, RunAction) for o in step.outputs)
    assert replies(step) == ["Thanks for your feedback.", ANYTHING_ELSE]
    assert step.state.collected == {"csat": 4}


# --- confirmation ---------------------------------------------------------------------------------


def confirming() -> DialogueState:
    state = talk(
        start(),
        said("appointment", "book_appointment"),
        said("2026-03-17"),
        said("15:00"),
    ).state
    assert state.confirming
    return state


def test_yes_to_the_confirmation_runs_the_action() -> None:
    step = talk(confirming(), said("yes please"))
    action = run_action(step)
    assert action.slots == {"date": "2026-03-17", "time": "15:00"}
    assert not step.state.confirming


def test_the_affirm_intent_confirms() -> None:
    assert run_action(talk(confirming(), said("go for it", "affirm")))


def test_no_to_the_confirmation_starts_again() -> None:
    step = talk(confirming(), said("no"))
    assert replies(step) == [START_AGAIN, "Which day would suit you?"]
    assert step.state.slots == {} and step.state.pending == "date"
    assert not step.state.confirming


def test_an_unclear_confirmation_is_asked_again_then_hands_off() -> None:
    step = talk(confirming(), said("hmm"))
    assert replies(step) == ["Sorry, please answer yes or no. Shall I book 2026-03-17 at 15:00?"]
    step = talk(step.state, said("what"))
    assert step.state.confirming and step.state.retries == 2
    handoff = hand_off(talk(step.state, said("eh")))
    assert handoff.reason is HandoffReason.SLOT_RETRIES


def test_a_digression_during_the_confirmation_is_answered_and_the_question_repeated() -> None:
    step = talk(confirming(), said("when are you open?", "opening_hours"))
    assert replies(step) == [
        HOURS,
        "Now, back to book an appointment: Shall I book 2026-03-17 at 15:00?",
    ]
    assert step.state.confirming
    assert run_action(talk(step.state, said("yes")))


# --- digressions and skill switches ---------------------------------------------------------------


def test_a_digression_is_answered_and_the_form_resumes() -> None:
    state = asking_order_id()
    step = talk(state, said("what are your opening hours?", "opening_hours"))
    assert replies(step) == [
        HOURS,
        f"Now, back to check the status of an order: {ORDER_PROMPT}",
    ]
    assert step.state.pending == "order_id" and step.state.retries == 0
    assert step.state.skill == "order_status"
    resumed = talk(step.state, said("ORD-654321"))
    assert run_action(resumed).slots == {"order_id": "ORD-654321"}


def test_another_skills_intent_switches_skill_keeping_shared_slots() -> None:
    step = talk(start(), said("I want to return something", "return_item"), said("ORD-123456"))
    assert replies(step) == ["Why are you returning it?"]
    # The reason is free text, but a recognised skill intent wins over reading it.
    switched = talk(step.state, said("actually, where is my order?", "order_status"))
    assert switched.state.skill == "order_status"
    assert run_action(switched).slots == {"order_id": "ORD-123456"}


def test_a_switch_asks_the_new_skills_first_missing_slot() -> None:
    step = talk(
        asking_order_id(),
        said("book me for 2026-04-01", "book_appointment", {"date": "2026-04-01"}),
    )
    assert step.state.skill == "appointment_book"
    assert step.state.slots == {"date": "2026-04-01"}
    assert replies(step) == ["What time?"]


def test_a_free_text_slot_reads_an_unrecognised_message() -> None:
    step = talk(
        start(),
        said("return", "return_item"),
        said("ORD-123456"),
        said("it is too small", None, guess="opening_hours"),
    )
    assert run_action(step).slots == {"order_id": "ORD-123456", "reason": "it is too small"}


def test_goodbye_in_the_middle_of_a_form_ends_the_conversation() -> None:
    step = talk(asking_order_id(), said("never mind, bye", "goodbye"))
    assert replies(step) == [POLICY.goodbye]
    assert finished(step).reason == "left without being served"
    assert step.state.outcome is DialogueOutcome.ABANDONED


# --- with no skill active -------------------------------------------------------------------------


def test_an_faq_is_answered_and_more_offered() -> None:
    step = talk(start(), said("when are you open", "opening_hours"))
    assert replies(step) == [HOURS, ANYTHING_ELSE]
    assert step.state.answered == 1 and step.state.wrap_up


def test_no_to_anything_else_says_goodbye_as_served() -> None:
    step = talk(start(), said("hours?", "opening_hours"), said("no"))
    assert finished(step).reason == "customer finished"
    assert step.state.outcome is DialogueOutcome.CONTAINED


def test_yes_to_anything_else_asks_what() -> None:
    step = talk(start(), said("hours?", "opening_hours"), said("yes", "affirm"))
    assert replies(step) == [WHAT_ELSE]
    assert not step.state.is_done and not step.state.wrap_up


def test_a_no_out_of_the_blue_is_not_a_goodbye() -> None:
    step = talk(start(), said("no", "deny"))
    assert replies(step) == [POLICY.fallback]
    assert not step.state.is_done


def test_goodbye_before_being_served_is_recorded_as_such() -> None:
    step = talk(start(), said("hi", "greet"), said("bye", "goodbye"))
    assert replies(step) == [POLICY.goodbye]
    assert finished(step).reason == "left without being served"
    assert step.state.outcome is DialogueOutcome.ABANDONED


def test_low_confidence_streak_hands_off() -> None:
    first = talk(start(), said("flibbertigibbet", None, guess="card_arrival", confidence=0.21))
    assert replies(first) == [POLICY.fallback]
    assert first.state.low_confidence == 1
    handoff = hand_off(
        talk(first.state, said("wibble", None, guess="card_arrival", confidence=0.2))
    )
    assert handoff.reason is HandoffReason.LOW_CONFIDENCE
    assert handoff.detail == "2 messages not understood; best guess card_arrival (0.20)"
    assert handoff.summary.intent == "card_arrival"


def test_an_understood_message_resets_the_low_confidence_streak() -> None:
    step = talk(start(), said("???"), said("hi", "greet"), said("???"))
    assert replies(step) == [POLICY.fallback]
    assert step.state.low_confidence == 1 and not step.state.is_done


# --- handoffs -------------------------------------------------------------------------------------


def test_asking_for_a_person_hands_off_with_a_summary() -> None:
    state = asking_order_id(customer_id="cust-9")
    state = talk(
        state,
        said(
            "book 2026-03-17 please",
            "book_appointment",
            {"date": "2026-03-17"},
            sentiment=-0.3,
        ),
    ).state
    step = talk(state, said("just get me a human", "human", sentiment=-0.62))
    handoff = hand_off(step)
    assert step.outputs == (handoff,)
    assert handoff.reason is HandoffReason.ASKED_FOR_PERSON
    assert handoff.queue is None
    summary = handoff.summary
    assert summary.reason is HandoffReason.ASKED_FOR_PERSON
    assert summary.intent == "book_appointment"
    assert summary.skill == "appointment_book"
    assert summary.slots == {"date": "2026-03-17"}
    assert summary.customer_id == "cust-9"
    assert summary.sentiment == -0.62
    assert summary.transcript == (
        Turn("customer", "where is my order"),
        Turn("ai", ORDER_PROMPT),
        Turn("customer", "book 2026-03-17 please"),
        Turn("ai", "What time?"),
        Turn("customer", "just get me a human"),
    )
    assert summary.text() == "\n".join(
        [
            "Reason: asked for a person",
            "Intent: book_appointment",
            "Skill: appointment_book",
            "Customer: cust-9",
            "Date: 2026-03-17",
            "Sentiment: negative (-0.62)",
            "Last messages:",
            " customer: where is my order",
            f" ai: {ORDER_PROMPT}",
            " customer: book 2026-03-17 please",
            " ai: What time?",
            " customer: just get me a human",
        ]
    )
    document = summary.to_dict()
    assert json.loads(json.dumps(document)) == document
    assert document["reason"] == "asked_for_person"
    assert document["transcript"][0] == {"sender": "customer", "text": "where is my order"}


def test_the_summary_finds_the_customer_id_in_a_crm_record() -> None:
    state = begin(SKILLS, POLICY, attributes={"customer": {"id": "c-77"}}).state
    assert hand_off(talk(state, said("agent", "human"))).summary.customer_id == "c-77"


def test_a_streak_of_negative_messages_hands_off() -> None:
    state = asking_order_id()
    first = talk(state, said("this is useless", sentiment=-0.7))
    assert not first.state.is_done and first.state.negative == 1
    handoff = hand_off(talk(first.state, said("awful service", sentiment=-0.8)))
    assert handoff.reason is HandoffReason.NEGATIVE_SENTIMENT
    assert handoff.detail == "2 negative messages in a row"
    assert handoff.summary.slots == {}
    assert "Sentiment: negative (-0.80)" in handoff.summary.text()


def test_a_neutral_message_breaks_the_negative_streak() -> None:
    step = talk(
        start(),
        said("ugh", "greet", sentiment=-0.6),
        said("ok", "greet", sentiment=0.1),
        said("bad", "greet", sentiment=-0.9),
    )
    assert not step.state.is_done and step.state.negative == 1


def test_the_transcript_keeps_the_last_turns() -> None:
    policy = DialoguePolicy(transcript_turns=3, low_confidence_limit=5)
    step = talk(start(), said("a"), said("b"), said("hi", "greet"), policy=policy)
    assert step.state.transcript == (
        Turn("ai", policy.fallback),
        Turn("customer", "hi"),
        Turn("ai", policy.greeting),
    )


# --- action results -------------------------------------------------------------------------------


def waiting_for_order(order_id: str = "ORD-123456") -> tuple[DialogueState, str]:
    step = talk(asking_order_id(), said(order_id))
    return step.state, run_action(step).request_id


def test_not_found_asks_again_then_succeeds() -> None:
    state, request_id = waiting_for_order()
    missing = action_done(SKILLS, POLICY, state, request_id, True, {"found": False})
    assert replies(missing) == ["I couldn't find order ORD-123456.", ORDER_PROMPT]
    assert missing.state.slots == {} and missing.state.pending == "order_id"
    assert missing.state.lookups == 1
    again = talk(missing.state, said("sorry, ORD-123457"))
    retry_id = run_action(again).request_id
    assert retry_id != request_id
    done = action_done(SKILLS, POLICY, again.state, retry_id, True, {"status": "delivered"})
    assert replies(done) == ["Order ORD-123457 is delivered.", ANYTHING_ELSE]
    assert done.state.lookups == 0


def test_not_found_too_often_hands_off() -> None:
    state, request_id = waiting_for_order()
    for attempt in ("ORD-100001", "ORD-100002"):
        step = action_done(SKILLS, POLICY, state, request_id, True, {"found": False})
        step = talk(step.state, said(attempt))
        state, request_id = step.state, run_action(step).request_id
    last = action_done(SKILLS, POLICY, state, request_id, True, {"found": False})
    assert replies(last) == ["I couldn't find order ORD-100002."]
    handoff = hand_off(last)
    assert handoff.reason is HandoffReason.ACTION_FAILED
    assert handoff.detail == "order_status: nothing found after 3 tries"


def test_a_failed_action_apologises_and_hands_off() -> None:
    state, request_id = waiting_for_order()
    step = action_done(SKILLS, POLICY, state, request_id, False, {"error": "timeout"})
    assert replies(step) == [ORDER_STATUS.failure]
    handoff = hand_off(step)
    assert handoff.reason is HandoffReason.ACTION_FAILED
    assert handoff.detail == "timeout"
    assert handoff.summary.slots == {"order_id": "ORD-123456"}
    assert handoff.summary.transcript[-1] == Turn("ai", ORDER_STATUS.failure)


def lead_waiting() -> tuple[DialogueState, str]:
    step = talk(
        start(customer_id="c-5"),
        said("I want to buy", "sales_enquiry"),
        said("£20,000"),
        said("this_month"),
        said("skip"),
    )
    return step.state, run_action(step).request_id


def test_a_skill_rule_hands_off_to_its_queue() -> None:
    state, request_id = lead_waiting()
    result = {"score": 85, "hot": True, "reasons": ["budget"]}
    step = action_done(SKILLS, POLICY, state, request_id, True, result)
    assert replies(step) == ["Thanks! Your score is 85."]
    handoff = hand_off(step)
    assert (handoff.reason, handoff.detail, handoff.queue) == (
        HandoffReason.SKILL_RULE,
        "hot lead",
        "sales",
    )
    assert handoff.summary.text().startswith("Reason: skill rule: hot lead\n")
    assert handoff.summary.customer_id == "c-5"
    assert "Budget: 20000.00 GBP" in handoff.summary.text()


def test_a_skill_rule_that_does_not_hold_completes_the_skill() -> None:
    state, request_id = lead_waiting()
    step = action_done(SKILLS, POLICY, state, request_id, True, {"score": 20, "hot": False})
    assert replies(step) == ["Thanks! Your score is 20.", ANYTHING_ELSE]
    assert step.state.completed == ("lead",) and not step.state.is_done


def test_a_stale_request_id_changes_nothing() -> None:
    state, request_id = waiting_for_order()
    step = action_done(SKILLS, POLICY, state, "order_status:99", True, {"status": "x"})
    assert step.outputs == () and step.state is state
    idle = start()
    assert action_done(SKILLS, POLICY, idle, request_id, True, {}).state is idle


def test_a_message_while_the_action_runs_is_told_to_wait() -> None:
    state, request_id = waiting_for_order()
    step = talk(state, said("hello?"))
    assert replies(step) == [STILL_WORKING]
    assert step.state.request_id == request_id
    assert hand_off(talk(state, said("person please", "human")))


# --- begin ----------------------------------------------------------------------------------------


def test_begin_with_an_unknown_skill_hands_off() -> None:
    step = begin(SKILLS, POLICY, skill="refunds")
    handoff = hand_off(step)
    assert handoff.reason is HandoffReason.UNKNOWN_SKILL
    assert "'refunds'" in handoff.detail
    assert "appointment_book, lead, order_status, returns, survey" in handoff.detail


def test_single_mode_finishes_when_the_skill_succeeds() -> None:
    step = begin(
        SKILLS,
        POLICY,
        skill="order_status",
        attributes={"customer_id": "c-1"},
        slots={"order_id": "ord-123456", "unrelated": 1},
        single=True,
    )
    action = run_action(step)
    assert action.slots == {"order_id": "ORD-123456"}
    done = action_done(SKILLS, POLICY, step.state, action.request_id, True, {"status": "late"})
    assert replies(done) == ["Order ORD-123456 is late."]
    assert finished(done).reason == "skill completed"
    assert done.state.outcome is DialogueOutcome.CONTAINED
    assert done.state.slots == {"order_id": "ORD-123456"}  # kept for the flow
    assert done.state.completed == ("order_status",)


def test_begin_asks_for_prefilled_slots_that_do_not_read() -> None:
    step = begin(SKILLS, POLICY, skill="appointment_book", slots={"date": "soon", "time": 9})
    assert replies(step) == ["Which day would suit you?"]
    assert step.state.slots == {}  # 9 is not a time; "soon" is not a date


def test_begin_prefills_a_money_slot_the_flow_collected() -> None:
    budget = {"amount_cents": 1000, "currency": "EUR"}
    step = begin(SKILLS, POLICY, skill="lead", slots={"budget": budget})
    assert step.state.slots == {"budget": budget}
    assert replies(step) == ["When would you like to start?"]


# --- ended conversations and storage --------------------------------------------------------------


def test_a_finished_conversation_ignores_everything() -> None:
    ended = hand_off(talk(asking_order_id(), said("human", "human")))
    assert ended
    state = talk(asking_order_id(), said("human", "human")).state
    step = hear(SKILLS, POLICY, state, said("hello?", "greet"))
    assert step.outputs == () and step.state is state
    bye = talk(start(), said("bye", "goodbye")).state
    assert hear(SKILLS, POLICY, bye, said("wait", "order_status")).outputs == ()


def test_a_skill_removed_mid_conversation_hands_off() -> None:
    state = asking_order_id()
    fewer = SkillSet({"returns": RETURNS})
    handoff = hand_off(hear(fewer, POLICY, state, said("ORD-123456")))
    assert handoff.reason is HandoffReason.UNKNOWN_SKILL


@pytest.mark.parametrize(
    "messages",
    [
        (said("appointment", "book_appointment"),),
        (said("appointment", "book_appointment"), said("2026-03-17"), said("3pm")),
        (said("hours", "opening_hours"),),
        (said("buy", "sales_enquiry"), said("£5", None, {"money": {"amount_cents": 500}})),
    ],
    ids=["asking", "confirming", "wrap-up", "money"],
)
def test_the_state_survives_a_json_round_trip(messages: tuple[Understanding, ...]) -> None:
    state = talk(start(customer_id="c-1"), *messages).state
    stored = json.loads(json.dumps(state.to_dict()))
    restored = DialogueState.from_dict(stored)
    assert restored == state
    follow_up = said("2026-03-18 at 10:00", None, {"date": "2026-03-18", "time": "10:00"})
    assert talk(restored, follow_up) == talk(state, follow_up)


def test_a_round_trip_keeps_an_awaited_action_and_an_outcome() -> None:
    state, request_id = waiting_for_order()
    restored = DialogueState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.request_id == request_id
    done = action_done(SKILLS, POLICY, restored, request_id, True, {"status": "shipped"})
    assert replies(done)[0] == "Order ORD-123456 is shipped."
    ended = talk(start(), said("bye", "goodbye")).state
    assert DialogueState.from_dict(ended.to_dict()).outcome is DialogueOutcome.ABANDONED


def test_an_entity_for_the_asked_slot_wins_over_a_recognised_intent() -> None:
    step = talk(
        asking_order_id(),
        said("ORD-123456, and when are you open?", "opening_hours", {"order_id": "ORD-123456"}),
    )
    assert run_action(step).slots == {"order_id": "ORD-123456"}


def test_summary_text_shows_each_kind_of_value() -> None:
    summary = HandoffSummary(
        reason=HandoffReason.SLOT_RETRIES,
        detail="no valid date after 3 tries",
        intent=None,
        skill=None,
        slots={"callback_ok": True, "tags": ["a", "b"], "budget": {"amount_cents": 1250}},
        transcript=(Turn("customer", "word " * 60),),
        sentiment=0.4,
        customer_id=None,
    )
    lines = summary.text().splitlines()
    assert lines[:5] == [
        "Reason: could not get an answer: no valid date after 3 tries",
        "Callback ok: yes",
        'Tags: ["a", "b"]',
        "Budget: 12.50",
        "Sentiment: positive (0.40)",
    ]
    assert lines[6].endswith("...") and len(lines[6]) == len(" customer: ") + 200


def test_an_optional_enum_slot_may_take_no_as_its_value() -> None:
    consent = Skill(
        name="consent",
        description="Marketing consent",
        intents=("consent",),
        slots=(
            SkillSlot(
                Slot("marketing", SlotType.ENUM, values=("yes", "no")), "News?", required=False
            ),
        ),
        action=SkillAction(ActionKind.NONE),
        success="Noted: {marketing}.",
    )
    skills = SkillSet({"consent": consent})
    state = begin(skills, POLICY, skill="consent").state
    step = hear(skills, POLICY, state, said("no"))
    assert replies(step) == ["Noted: no.", ANYTHING_ELSE]


def test_begin_prefills_a_scale_slot_and_drops_values_of_the_wrong_shape() -> None:
    step = begin(SKILLS, POLICY, skill="survey", slots={"csat": 5}, single=True)
    assert replies(step) == ["Thanks for your feedback."]
    assert finished(step).reason == "skill completed"
    lead = begin(SKILLS, POLICY, skill="lead", slots={"budget": ["1"], "timeline": {"x": 1}})
    assert lead.state.slots == {}
