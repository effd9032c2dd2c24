"""A skill's form: free-text answers, corrections, and enums placed from dates and times."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from agentfloor.agents.dialogue import (
    DialoguePolicy,
    DialogueState,
    DialogueStep,
    Reply,
    RunAction,
    Understanding,
    begin,
    hear,
)
from agentfloor.agents.skills.model import ActionKind, Skill, SkillAction, SkillSet, SkillSlot
from agentfloor.flows.model import Slot, SlotType

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = tuple(f"{h % 12 or 12} {'am' if h < 12 else 'pm'}" for h in range(24))


def enum(name: str, values: tuple[str, ...], prompt: str) -> SkillSlot:
    return SkillSlot(Slot(name, SlotType.ENUM, values=values), prompt)


VISIT = Skill(
    name="visit",
    description="Book a visit",
    intents=("book_visit",),
    slots=(
        SkillSlot(Slot("customer_name", SlotType.TEXT), "Your name, please?"),
        enum("doctor", ("Dr. Johnson", "Dr. Morgan"), "Which doctor?"),
        enum("day", DAYS, "Which day?"),
        enum("start", HOURS, "From what time?"),
        enum("end", HOURS, "Until what time?"),
        enum("fee_paid", ("Yes", "No"), "Have you paid the fee?"),
    ),
    action=SkillAction(ActionKind.BUILTIN, "visit_book"),
    confirm="Book {doctor} on {day}, {start} to {end}?",
    success="Booked.",
)
CALLBACK = Skill(
    name="callback",
    description="Call me back",
    intents=("callback",),
    slots=(
        SkillSlot(Slot("date", SlotType.DATE), "Which day?"),
        SkillSlot(Slot("time", SlotType.TIME), "What time?"),
        SkillSlot(Slot("topic", SlotType.TEXT), "What is it about?"),
    ),
    action=SkillAction(ActionKind.BUILTIN, "callback"),
    confirm="Call you on {date} at {time}?",
    success="We'll call.",
)
SKILLS = SkillSet({s.name: s for s in (VISIT, CALLBACK)})
POLICY = DialoguePolicy()


def said(text: str, entities: Mapping[str, object] | None = None) -> Understanding:
    # No intent: while a slot is asked the message is read as an answer (the replay's case too).
    return Understanding(text, None, 0.2, None, entities or {})


def talk(state: DialogueState, *messages: Understanding) -> DialogueStep:
    step = DialogueStep(state)
    for message in messages:
        step = hear(SKILLS, POLICY, step.state, message)
    return step


def replies(step: DialogueStep) -> list[str]:
    return [o.text for o in step.outputs if isinstance(o, Reply)]


def visit(**slots: object) -> DialogueState:
    """The visit skill started (single, as in a flow), with `slots` already filled."""
    return begin(SKILLS, POLICY, skill="visit", slots=slots, single=True).state


def callback(**slots: object) -> DialogueState:
    return begin(SKILLS, POLICY, skill="callback", slots=slots).state


# --- free text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Thanks", {}),
        ("ok", {}),
        ("Great, that's all I need. Thank you!", {}),
        ("I don't remember", {}),
        ("i dont remmeber it!", {}),
        ("I can't recall, sorry", {}),
        ("I don't have my account number with me, can you still help?", {}),
        ("no idea", {}),
        ("Dr. Morgan", {"doctor": "Dr. Morgan"}),
        ("I'd like to see Dr Morgan, please.", {"doctor": "Dr. Morgan"}),
        ("Friday at 3pm would be best", {"date": "2020-06-05", "time": "15:00"}),
        ("6pm today", {"date": "2020-06-01", "time": "18:00"}),
    ],
    ids=[
        "thanks",
        "ok",
        "closing",
        "dont-remember",
        "typo",
        "cant-recall",
        "dont-have-then-question",
        "no-idea",
        "other-slot-value",
        "other-slot-value-with-filler",
        "date-and-time",
        "clock-word",
    ],
)
def test_a_free_text_slot_does_not_take_a_non_answer(
    text: str, entities: Mapping[str, object]
) -> None:
    state = visit()
    assert state.pending == "customer_name"
    step = talk(state, said(text, entities))
    assert "customer_name" not in step.state.slots
    assert step.state.pending == "customer_name"
    assert replies(step) == ["Your name, please?"]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Angela", {}),
        ("Yes, Sarah Brown.", {}),
        ("My name is Alexis. I'm hoping to see Dr. Morgan today.", {"doctor": "Dr. Morgan"}),
        ("George for Friday", {"date": "2020-06-05"}),
        ("I know what I want: Angela", {}),
    ],
    ids=["name", "yes-then-name", "name-and-other-values", "name-and-a-day", "know-not-negated"],
)
def test_a_free_text_slot_takes_a_message_that_says_more(
    text: str, entities: Mapping[str, object]
) -> None:
    step = talk(visit(), said(text, entities))
    assert step.state.slots["customer_name"] == text


def test_a_message_with_only_other_values_still_fills_them() -> None:
    step = talk(
        visit(), said("Dr. Morgan on Friday", {"doctor": "Dr. Morgan", "date": "2020-06-05"})
    )
    assert step.state.slots == {"doctor": "Dr. Morgan", "day": "Friday"}
    assert step.state.pending == "customer_name"


# --- enums from dates and times -------------------------------------------------------------------


def test_a_named_date_and_times_fill_weekday_and_hour_enums_in_order() -> None:
    entities = {"date": "2020-06-05", "time": "14:00", "times": ["14:00", "16:30"]}
    step = talk(visit(customer_name="Ann"), said("Friday from 2 pm to 4:30 pm", entities))
    # the start and end take the times in order; 4:30 takes its hour, the values being hours
    assert step.state.slots["day"] == "Friday"
    assert step.state.slots["start"] == "2 pm"
    assert step.state.slots["end"] == "4 pm"


def test_with_the_start_filled_a_time_goes_to_the_end() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday", start="2 pm")
    assert state.pending == "end"
    step = talk(state, said("until 4pm", {"time": "16:00", "times": ["16:00"]}))
    assert step.state.slots["end"] == "4 pm"
    assert step.state.slots["start"] == "2 pm"


def test_a_relative_date_answers_a_weekday_question() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan")
    assert state.pending == "day"
    step = talk(state, said("tomorrow", {"date": "2020-06-02"}))
    assert step.state.slots["day"] == "Tuesday"


def test_a_bare_digit_is_not_an_hour_label() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday")
    step = talk(state, said("2"))
    assert "start" not in step.state.slots
    assert step.state.pending == "start"


def test_a_yes_in_passing_does_not_answer_a_yes_or_no_slot() -> None:
    step = talk(visit(), said("Yes, my name is Ann", {"fee_paid": "Yes"}))
    assert step.state.slots == {"customer_name": "Yes, my name is Ann"}


def test_a_yes_or_no_slot_is_filled_in_passing_when_the_message_names_it() -> None:
    step = talk(visit(), said("Ann. No, I haven't paid the fee yet", {"fee_paid": "No"}))
    assert step.state.slots["fee_paid"] == "No"


def test_a_yes_or_no_slot_reads_yes_in_its_many_forms() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday", start="2 pm", end="3 pm")
    assert state.pending == "fee_paid"
    assert talk(state, said("Yeah, I did that yesterday")).state.slots["fee_paid"] == "Yes"


# --- corrections ----------------------------------------------------------------------------------


def test_a_correction_changes_filled_slots_and_says_so() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday", start="2 pm")
    assert state.pending == "end"
    entities = {"date": "2020-06-06", "time": "16:00", "times": ["16:00"]}
    step = talk(state, said("Make it Saturday at 4 pm instead", entities))
    assert step.state.slots["day"] == "Saturday"
    # the time goes to the empty end first: a lone time fills what is missing
    assert step.state.slots["end"] == "4 pm"
    assert "OK, I've changed the day to Saturday." in replies(step)


@pytest.mark.parametrize(
    "text",
    ["Actually, Saturday", "No, Saturday", "Can we change it to Saturday?", "Saturday rather"],
    ids=["actually", "no", "change", "rather"],
)
def test_correction_cues(text: str) -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday")
    assert state.pending == "start"
    step = talk(state, said(text, {"date": "2020-06-06"}))
    assert step.state.slots["day"] == "Saturday"
    # a correction that answers nothing asks the same question again, not as a retry
    assert step.state.pending == "start"
    assert step.state.retries == 0
    assert replies(step) == ["OK, I've changed the day to Saturday.", "From what time?"]


def test_another_value_without_a_cue_changes_nothing() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday")
    step = talk(state, said("I have a wedding on Saturday", {"date": "2020-06-06"}))
    assert step.state.slots["day"] == "Friday"


def test_a_correction_of_every_hour_slot_goes_in_order() -> None:
    state = visit(customer_name="Ann", doctor="Dr. Morgan", day="Friday", start="2 pm", end="3 pm")
    entities = {"time": "16:00", "times": ["16:00", "17:00"]}
    step = talk(state, said("actually from 4 pm to 5 pm", entities))
    assert (step.state.slots["start"], step.state.slots["end"]) == ("4 pm", "5 pm")


def test_while_confirming_a_new_value_changes_the_slot_and_confirms_again() -> None:
    state = talk(
        callback(),
        said("Friday", {"date": "2026-03-20"}),
        said("3pm", {"time": "15:00"}),
        said("my bill"),
    ).state
    assert state.confirming
    step = talk(state, said("no, 4 pm", {"time": "16:00"}))
    assert step.state.confirming
    assert step.state.slots["time"] == "16:00"
    assert replies(step) == [
        "OK, I've changed the time to 16:00.",
        "Call you on 2026-03-20 at 16:00?",
    ]
    step = talk(step.state, said("yes"))
    assert isinstance(step.outputs[-1], RunAction)
    assert step.outputs[-1].slots["time"] == "16:00"


def test_while_confirming_the_same_value_is_just_a_yes_or_no() -> None:
    state = talk(
        callback(),
        said("Friday", {"date": "2026-03-20"}),
        said("3pm", {"time": "15:00"}),
        said("my bill"),
    ).state
    step = talk(state, said("yes", {"time": "15:00"}))
    assert isinstance(step.outputs[-1], RunAction)
