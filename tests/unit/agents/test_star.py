"""STAR replay: skills built from API schemas, constraint parsing, entity keying, replay, scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from agentfloor.agents.dialogue import DialogueOutcome
from agentfloor.agents.star import (
    DialogueScore,
    Heard,
    InputKind,
    Replay,
    SlotCheck,
    StarDialogue,
    StarTask,
    parse_constraint,
    read_dialogue,
    replay,
    score_dialogue,
    star_task,
    summarise,
)
from agentfloor.flows.model import SlotType

DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
HOURS = [f"{h % 12 or 12} {'am' if h < 12 else 'pm'}" for h in range(24)]


def make_api(**overrides: Any) -> dict[str, Any]:
    """A clinic API in STAR's layout (`apis/<task>.json`)."""
    api: dict[str, Any] = {
        "input": [
            {
                "Name": "Name",
                "Type": "Categorical",
                "Categories": ["Dr. Johnson", "Dr. Morgan"],
                "ReadableName": "Doctor Name",
            },
            {"Name": "Day", "Type": "Categorical", "Categories": DAYS, "ReadableName": "Day"},
            {
                "Name": "StartTimeHour",
                "Type": "Categorical",
                "Categories": HOURS,
                "ReadableName": "Start Time Hour",
            },
            {"Name": "PatientName", "Type": "ShortString", "ReadableName": "Patient Name"},
            {"Name": "Symptoms", "Type": "LongString", "ReadableName": "Symptoms"},
            {
                "Name": "RequestType",
                "Type": "RequestType",
                "Categories": ["Check", "Book"],
                "ReadableName": "Request Type",
            },
        ],
        "required": ["Name", "PatientName", "Day", "StartTimeHour", "Symptoms", "RequestType"],
    }
    api.update(overrides)
    return api


TASK_DOC: dict[str, Any] = {
    "task": "book_clinic",
    "replies": {
        "hello": "Hello, how can I help?",
        "ask_name": "Could I have your name, please?",
        "clinic_ask_doctor_name": "Which doctor would you like to see?",
        "clinic_ask_day": "What day suits you?",
        "clinic_ask_start_time": "What time can you come?",
        "clinic_inform_booked": "Booked with {doctor_name:s}.",
    },
    "graph": {
        "hello": "ask_name",
        "ask_name": "clinic_ask_doctor_name",
        "clinic_ask_doctor_name": "clinic_ask_day",
        "clinic_ask_day": "clinic_ask_start_time",
        "clinic_ask_start_time": "query",
    },
}


@pytest.fixture(scope="module")
def clinic() -> StarTask:
    return star_task("clinic_schedule", make_api(), TASK_DOC)


# --- building the skill -------------------------------------------------------------------------


def test_the_skill_has_a_slot_per_customer_input_typed_from_the_schema(clinic: StarTask) -> None:
    slots = {s.name: s for s in clinic.skill.slots}
    assert set(slots) == {"name", "day", "start_time_hour", "patient_name", "symptoms"}
    assert slots["name"].slot.type is SlotType.ENUM
    assert slots["name"].slot.values == ("Dr. Johnson", "Dr. Morgan")
    assert slots["start_time_hour"].slot.values == tuple(HOURS)  # "1 pm" stays an enum value
    assert slots["patient_name"].slot.type is SlotType.TEXT
    assert slots["symptoms"].slot.type is SlotType.TEXT  # LongString
    assert all(s.required for s in slots.values())
    assert clinic.skill.action.kind.value == "none"
    assert clinic.intent == "clinic_schedule"
    kinds = {i.name: i.kind for i in clinic.inputs}
    assert kinds == {
        "PatientName": InputKind.TEXT,
        "Name": InputKind.ENUM,
        "Day": InputKind.ENUM,
        "StartTimeHour": InputKind.ENUM,
        "Symptoms": InputKind.LONG_TEXT,
    }


def test_questions_come_from_the_ask_replies_in_the_reply_graphs_order(clinic: StarTask) -> None:
    asked = [(s.name, s.prompt) for s in clinic.skill.slots]
    assert asked == [
        ("patient_name", "Could I have your name, please?"),  # ask_name: the free-text name
        ("name", "Which doctor would you like to see?"),
        ("day", "What day suits you?"),
        ("start_time_hour", "What time can you come?"),
        ("symptoms", "Please tell me the symptoms."),  # no ask reply: generic, last
    ]


def test_without_replies_slots_follow_the_schema_with_generic_questions() -> None:
    task = star_task("clinic_schedule", make_api())
    assert [s.name for s in task.skill.slots] == [
        "name",
        "day",
        "start_time_hour",
        "patient_name",
        "symptoms",
    ]
    assert task.skill.slots[0].prompt == "Please choose the doctor name: Dr. Johnson, Dr. Morgan."


def test_an_api_that_requires_nothing_asks_every_slot_once_and_initials_match() -> None:
    api = {
        "input": [
            {"Name": "BankName", "Type": "Categorical", "Categories": ["Chase", "PNC"]},
            {"Name": "FullName", "Type": "ShortString", "ReadableName": "Full Name"},
            {"Name": "DateOfBirth", "Type": "ShortString", "ReadableName": "Date Of Birth"},
            {"Name": "id", "Type": "Integer", "Min": 1, "Max": 1000},
        ],
        "required": [],
    }
    doc = {
        "replies": {"ask_name": "Your full name?", "bank_ask_dob": "Your date of birth?"},
        "graph": {"hello": "ask_name", "ask_name": "bank_ask_dob"},
    }
    task = star_task("bank_balance", api, doc)
    slots = [(s.name, s.slot.type, s.required, s.prompt) for s in task.skill.slots]
    assert slots == [
        # ask_name fits BankName and FullName alike: the tie goes to the free-text input
        ("full_name", SlotType.TEXT, False, "Your full name?"),
        ("date_of_birth", SlotType.TEXT, False, "Your date of birth?"),  # "dob": initials
        ("bank_name", SlotType.ENUM, False, "Please choose the bank name: Chase, PNC."),
        ("id", SlotType.NUMBER, False, "Please tell me the id."),
    ]


# --- reading dialogues --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('"Dr. Morgan"', "Dr. Morgan"),
        ('api.is_equal_to("Sunday")', "Sunday"),
        ('api.is_equal_to(["Tuesday"])', "Tuesday"),
        ("9931939443153", "9931939443153"),
        ("84318931431 ", "84318931431"),
        ("0123", "0123"),
        ('"have headache\\n"', "have headache"),
        ('api.is_one_of(["Dr. Johnson","Dr. Morgan"])', None),
        ('api.is_one_of(["Yes"])', None),
        ("null", None),
        ("api.is_equal_to(null)", None),
        ('""', None),
        ("true", None),
    ],
    ids=[
        "quoted",
        "is_equal_to",
        "is_equal_to_one_item_list",
        "bare_number",
        "bare_number_with_space",
        "leading_zero",
        "quoted_with_newline",
        "is_one_of",
        "is_one_of_one_item",
        "null",
        "is_equal_to_null",
        "empty",
        "boolean",
    ],
)
def test_parse_constraint(raw: str, value: str | None) -> None:
    assert parse_constraint(raw) == value


def make_doc(**overrides: Any) -> dict[str, Any]:
    """A STAR dialogue document with two queries (the last one counts)."""
    doc: dict[str, Any] = {
        "DialogueID": 42,
        "CompletionLevel": "Complete",
        "Scenario": {
            "Happy": False,
            "WizardCapabilities": [{"Domain": "doctor", "Task": "clinic_schedule"}],
        },
        "Events": [
            {"Agent": "User", "Action": "utter", "Text": "Hello"},
            {"Agent": "Wizard", "Action": "utter", "Text": "How can I help?"},
            {"Agent": "User", "Action": "utter", "Text": "Dr. Morgan on Friday"},
            {
                "Agent": "Wizard",
                "Action": "query",
                "APIName": "clinic_schedule",
                "Constraints": [{"Name": '"Dr. Morgan"'}, {"Day": '"Friday"'}],
            },
            {"Agent": "User", "Action": "utter", "Text": "Make it Saturday"},
            {
                "Agent": "Wizard",
                "Action": "query",
                "APIName": "clinic_schedule",
                "Constraints": [
                    {"Name": 'api.is_one_of(["Dr. Morgan"])'},
                    {"Day": 'api.is_equal_to("Saturday")'},
                    {"RequestType": '"Book"'},
                ],
            },
            {"Agent": "User", "Action": "utter", "Text": " "},
            {"Agent": "User", "Action": "complete"},
        ],
    }
    doc.update(overrides)
    return doc


def test_read_dialogue_keeps_the_customer_turns_and_the_last_query() -> None:
    dialogue = read_dialogue(make_doc(), {"clinic_schedule"})
    assert dialogue == StarDialogue(
        id="42",
        task="clinic_schedule",
        user_turns=("Hello", "Dr. Morgan on Friday", "Make it Saturday"),
        constraints={"Day": "Saturday", "RequestType": "Book"},
        happy=False,
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"CompletionLevel": "EarlyDisconnectDuringDialogue"},
        {
            "Scenario": {
                "WizardCapabilities": [{"Task": "clinic_schedule"}, {"Task": "weather"}],
            }
        },
        {"Scenario": {"WizardCapabilities": [{"Task": "weather"}]}},
        {"Events": [{"Agent": "User", "Action": "utter", "Text": "Hello"}]},
    ],
    ids=["not_complete", "two_tasks", "another_task", "no_query"],
)
def test_read_dialogue_skips_what_is_not_one_complete_queried_task(
    overrides: dict[str, Any],
) -> None:
    assert read_dialogue(make_doc(**overrides), {"clinic_schedule"}) is None


# --- entities -----------------------------------------------------------------------------------


def make_meeting() -> StarTask:
    hour = {"Type": "Categorical", "Categories": HOURS}
    api = {
        "input": [
            {"Name": "Day", "Type": "Categorical", "Categories": DAYS},
            {"Name": "StartTimeHour", **hour},
            {"Name": "EndTimeHour", **hour},
        ],
        "required": ["Day", "StartTimeHour", "EndTimeHour"],
    }
    return star_task("meeting", api)


def test_replay_places_dates_and_times_on_weekday_and_hour_enums() -> None:
    # The manager does it (see tests/unit/agents/dialogue/test_reading.py); the replay only
    # passes the message's times on when the entities lack them.
    meeting = make_meeting()
    dialogue = StarDialogue("1", "meeting", ("Friday from 2 pm to 4:30 pm",), {})
    nlu = {
        "Friday from 2 pm to 4:30 pm": Heard(
            {"date": "2020-06-05", "time": "14:00"}, ("14:00", "16:30")
        )
    }
    result = replay(meeting, dialogue, scripted(nlu))
    assert result.slots == {"day": "Friday", "start_time_hour": "2 pm", "end_time_hour": "4 pm"}


# --- replay -------------------------------------------------------------------------------------


def scripted(found: Mapping[str, Heard]) -> Any:
    """A stand-in for entity extraction: what it finds in each scripted message."""
    return lambda text: found.get(text, Heard({}))


CUSTOMER = (
    "Hello",
    "I need to see Dr. Morgan on Friday at 7 pm",
    "My name is Angela",
    "A sore throat",
    "Thanks, bye",
)
NLU = {
    "Hello": Heard({}, intent="greet"),
    "I need to see Dr. Morgan on Friday at 7 pm": Heard(
        {"name": "Dr. Morgan", "date": "2020-06-05", "time": "19:00"}, ("19:00",)
    ),
}


def make_dialogue(**overrides: Any) -> StarDialogue:
    fields: dict[str, Any] = {
        "id": "7",
        "task": "clinic_schedule",
        "user_turns": CUSTOMER,
        "constraints": {
            "Name": "Dr. Morgan",
            "Day": "Friday",
            "StartTimeHour": "7 pm",
            "PatientName": "angela",
            "Symptoms": "sore throat",
            "RequestType": "Book",
        },
    }
    fields.update(overrides)
    return StarDialogue(**fields)


def test_replay_greets_fills_from_entities_then_asks_the_rest(clinic: StarTask) -> None:
    result = replay(clinic, make_dialogue(), scripted(NLU))
    assert result.outcome is DialogueOutcome.CONTAINED
    assert result.turns == 4  # the form was done before "Thanks, bye"
    assert result.slots == {
        "name": "Dr. Morgan",
        "day": "Friday",
        "start_time_hour": "7 pm",
        "patient_name": "My name is Angela",
        "symptoms": "A sore throat",
    }
    score = score_dialogue(clinic, make_dialogue(), result)
    assert score.success
    assert {c.input for c in score.checks} == {
        "Name",
        "Day",
        "StartTimeHour",
        "PatientName",
        "Symptoms",
    }


def test_replay_without_greeting_detection_takes_hello_as_the_request(clinic: StarTask) -> None:
    nlu = {**NLU, "Hello": Heard({})}
    result = replay(clinic, make_dialogue(), scripted(nlu))
    # "Hello" starts the skill and the name is asked at once. The request that follows holds
    # only the other slots' values, so it fills those and is not taken as the name (a free-text
    # slot used to read anything); the name is asked again and comes next.
    assert result.slots["patient_name"] == "My name is Angela"
    assert result.slots["symptoms"] == "A sore throat"
    assert score_dialogue(clinic, make_dialogue(), result).success


def test_replay_that_runs_out_of_messages_is_unfinished(clinic: StarTask) -> None:
    dialogue = make_dialogue(user_turns=CUSTOMER[:2])
    result = replay(clinic, dialogue, scripted(NLU))
    assert result.outcome is None
    assert result.turns == 2
    assert "patient_name" not in result.slots


# --- scores -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "got", "matched"),
    [
        ("Name", "Dr. Morgan", "dr morgan", True),
        ("Name", "Dr. Morgan", "Dr. Johnson", False),
        ("StartTimeHour", "1 pm", "1 PM", True),
        ("PatientName", "Angela", "My name is ANGELA.", True),
        ("PatientName", "Angela Smith", "Angela", False),
        ("PatientName", "Angela", None, False),
        ("Symptoms", "sore throat", "a cough", True),
        ("Symptoms", "sore throat", "  ", False),
    ],
    ids=[
        "enum_folds_case_and_dots",
        "enum_other_value",
        "hour_case",
        "text_contains_words",
        "text_missing_a_word",
        "text_empty",
        "long_text_filled",
        "long_text_blank",
    ],
)
def test_score_normalises(
    clinic: StarTask, name: str, expected: str, got: str | None, matched: bool
) -> None:
    slot = {i.name: i.slot for i in clinic.inputs}[name]
    result = Replay({slot: got} if got is not None else {}, None, 1)
    score = score_dialogue(clinic, make_dialogue(constraints={name: expected}), result)
    assert [c.matched for c in score.checks] == [matched]


def test_a_number_slot_matches_the_digits() -> None:
    api = {"input": [{"Name": "id", "Type": "Integer"}], "required": ["id"]}
    ride = star_task("ride_status", api)
    dialogue = make_dialogue(task="ride_status", constraints={"id": "652"})
    assert score_dialogue(ride, dialogue, Replay({"id": 652}, None, 1)).success


def test_success_ignores_long_text_and_needs_something_to_score(clinic: StarTask) -> None:
    only_long = make_dialogue(constraints={"Symptoms": "cough"})
    score = score_dialogue(clinic, only_long, Replay({}, None, 1))
    assert not score.scored and not score.success
    both = make_dialogue(constraints={"Symptoms": "cough", "Day": "Friday"})
    assert score_dialogue(clinic, both, Replay({"day": "Friday"}, None, 1)).success


def test_summarise_counts_per_input_and_outcome(clinic: StarTask) -> None:
    def check(name: str, matched: bool) -> SlotCheck:
        return SlotCheck(name, InputKind.ENUM, "x", "x" if matched else None, matched)

    scores = [
        DialogueScore("1", (check("Name", True), check("Day", True)), DialogueOutcome.CONTAINED),
        DialogueScore("2", (check("Day", False),), DialogueOutcome.HANDOFF, happy=False),
        DialogueScore("3", (), None),
    ]
    summary = summarise(clinic, scores)
    assert (summary.dialogues, summary.scored, summary.successes) == (3, 2, 1)
    assert (summary.happy_scored, summary.happy_successes) == (1, 1)
    assert (summary.completed, summary.handed_off) == (1, 1)
    assert [(a.input, a.checked, a.matched) for a in summary.slots] == [
        ("Name", 1, 1),
        ("Day", 2, 1),
    ]
