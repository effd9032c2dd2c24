"""STAR task dialogues as a test of the AI agent's forms: skills from API schemas, replay, scores.

STAR (Mosig et al., 2020, "STAR: A Schema-Guided Dialog Dataset for Transfer Learning") pairs
crowd-worker customers with crowd-worker wizards; each wizard fills a task's backend query
(`Constraints`) from what the customer says. We replay the customer's messages into our own
dialogue manager with a skill built from the same task's API schema, and score the slots our
skill filled against the wizard's last query. Everything here is pure: the caller reads the files
(`cli.eval_dialogues`) and supplies the entity extractor.

Design, and why:
- The skill is generated as a skill *document* and read by `parse_skill`, so it is checked like a
  tenant's upload and uses only what a tenant could write. Inputs: `Categorical` -> `enum` (the
  categories as values), `ShortString` and `LongString` -> `text`, `Integer` -> `number`;
  `RequestType` (check or book, the wizard's choice) and unknown types are left out. A slot is
  required when the API lists it in `required` (bank_balance lists none: all are optional,
  asked once). The action is `none`: the filled slots are the result.
- Question order and wording come from the task's reply templates: an `*ask*` reply
  (`doctor_ask_day`) is matched to the input whose name words cover at least half of the words
  after "ask" (initials count, so `dob` finds "Date Of Birth"), best cover first, a tie going
  to a free-text input (the shared `ask_name` reply asks for the customer's own name, which
  every STAR API types as ShortString). Matched inputs are asked in the order of the task's
  reply graph (walked from `hello`, then the replies' own order), which is the order wizards were
  shown; unmatched inputs follow in schema order with a generic question.
- Weekday and hour enums ("Friday", "1 pm") need no help here: the dialogue manager places a
  named date's weekday and the message's times on such enums itself (start, then end; an hour
  enum takes a time's hour), as it does for any tenant's skill.
- Every message is understood with the skill's intent (the intent is an oracle here: intent
  accuracy is `agentfloor eval intents`' job), and the conversation starts with no skill, so the
  customer's opening request starts the skill and fills it from its entities, as a chat that
  opens with "I need an appointment with Dr. Alexis on Friday" does in production. Starting
  inside the skill (a flow's `ai_agent` block) would instead read that request, or the "Hello"
  a third of STAR customers open with, as the answer to the first question. One exception:
  before the skill starts, a message the caller's intent model reads as a greeting and that
  holds no entity is passed on as that greeting (the manager greets and waits for the request);
  the CLI uses the default intent model every tenant starts with, `--no-greetings` turns it off.
- STAR scenarios are "happy" or not (the customer changes their mind, wanders, forgets): task
  success is also reported on the happy ones, since the manager changes a filled slot only when
  the customer says so ("instead", "actually", "how about") and never sees the wizard's offers.
- Scoring reads the dialogue's last query for the task's API: a constraint counts when its value
  is a literal (quoted, or a bare number such as an account number) or `api.is_equal_to(x)`
  (a one-item list is that item); `api.is_one_of`, `null` and RequestType are skipped. Enum and
  number slots must equal the value once case and punctuation are folded ("Dr. Morgan" = "dr
  morgan"); short free text must contain the value's words ("My name is Angela" holds
  "Angela"); long free text (symptoms, a message) counts as filled when non-empty, is reported
  on its own, and does not decide task success, which needs every other constraint matched.

Modules: `model` holds the values; `skills` builds a task's skill; `dialogues` reads a dialogue
document and its query; `replay` feeds the customer's messages to the dialogue manager; `scoring`
checks the filled slots against the query and sums them per task.
"""

from __future__ import annotations

from agentfloor.agents.star.dialogues import parse_constraint, read_dialogue
from agentfloor.agents.star.model import (
    DialogueScore,
    Heard,
    InputKind,
    Replay,
    SlotAccuracy,
    SlotCheck,
    StarDialogue,
    StarInput,
    StarTask,
    TaskSummary,
)
from agentfloor.agents.star.replay import replay
from agentfloor.agents.star.scoring import score_dialogue, summarise
from agentfloor.agents.star.skills import skill_document, star_task

__all__ = [
    "DialogueScore",
    "Heard",
    "InputKind",
    "Replay",
    "SlotAccuracy",
    "SlotCheck",
    "StarDialogue",
    "StarInput",
    "StarTask",
    "TaskSummary",
    "parse_constraint",
    "read_dialogue",
    "replay",
    "score_dialogue",
    "skill_document",
    "star_task",
    "summarise",
]
