"""The AI agent's dialogue manager: one conversation as a pure, storable slot-filling machine.

`begin` starts a conversation (optionally straight into one skill, for a flow's `ai_agent` block),
`hear` feeds one understood customer message, `action_done` feeds the answer to a `RunAction`.
Each returns a `DialogueStep`: the new `DialogueState` (JSON round-trip with `to_dict` /
`from_dict`, so the runtime stores it between messages) and outputs for the runtime to carry out:
`Reply`, `RunAction`, and the terminal `HandOff` or `Finished`. No I/O, no clock, no model: the
NLU result arrives as an `Understanding`.

Modules: `model` holds the values, the state and the outputs (and the text the manager says
itself); `manager` the entry points and the policy with no skill active; `forms` a skill's form
(filling and correcting slots, confirming, the action's result); `reading` what one message gives
the slots (entities keyed per slot, free-text answers, correction cues); `turn` the state and
outputs one call builds up.

Policy, for each customer message, in this order:
1. The message goes into the transcript; a sentiment at or below `negative_sentiment` extends the
   negative streak, any other resets it. An in-scope intent resets the low-confidence streak.
2. A handoff intent ("human") hands off at once; so does a negative streak of `negative_limit`.
3. While a confirmation is asked, a value for a filled slot changes it ("no, make it Saturday")
   and the confirmation is asked again; else yes runs the action, no starts the form again;
   anything else is a digression (an FAQ intent in `answers`: answered, then the question is
   asked again) or a retry.
4. While a slot is asked, entities first fill the skill's other empty slots (over-informing:
   "Tuesday at 3pm" fills date and time; a weekday or clock-label enum takes a named date's
   weekday or a named time's label; a yes-or-no slot only when the message names it). A message
   that corrects ("instead", "actually", "make it", "no, ...") also changes filled slots its
   entities give another value, and says so. Then the asked slot is read with the flow slot
   readers; a free-text slot does not take a message that only acknowledges ("ok, thanks"),
   says the customer does not know or have it, or only gives other slots' values ("Dr. Morgan on
   Friday, please"). A correction that answers nothing asks the same question again, not as a
   retry. A value moves on to the next slot, the confirmation or the action. No value: a
   digression is answered and the form resumes; another skill's intent switches skill (slot
   values both skills name carry over); goodbye ends; else the slot is asked again up to
   `SkillSlot.max_retries`, then the contact is handed off (`slot_retries`). Slot readers are
   lenient (a free-text slot reads most messages), so a recognised digression, skill or goodbye
   intent wins over the text unless NLU found an entity for the asked slot itself. An optional
   slot is asked once: "skip", "no", "none" or an unreadable answer leave it empty. While a slot
   is asked an out-of-scope message is just an unreadable answer: the slot's retries bound it,
   not the low-confidence streak.
5. With no skill active: an FAQ intent is answered, a skill's intent starts that skill (slots
   prefilled from entities), a greeting is greeted, goodbye (or "no" to "anything else?") ends the
   conversation, and an out-of-scope message gets the fallback until `low_confidence_limit` in a
   row hands off.
Results: `found: false` says `not_found` and asks the skill's `retry_slot` again (a retry of that
slot; past its `max_retries` the contact is handed off); success says `success`, then the skill's
handoff rules (routing expressions over `task.<name>`) may hand off to a queue; failure says
`failure` and hands off. A `single` conversation (a flow's `ai_agent` block) finishes as soon as
its skill succeeds, so the flow can go on.

Hand-written because no well-kept Python library runs slot-filling dialogue as a pure state
machine whose state is a small JSON document: Rasa is a whole server (its own tracker store,
action server, TensorFlow-era dependencies), and the others are hosted services or LLM loops.
The policy above is the product's own, and the slot readers are the flow's (`flows.slots`), so a
skill and a `collect` block read a date the same way.
"""

from __future__ import annotations

# The constants are importable from here as they were from the single module, but, as before,
# are not part of `__all__`.
from agentfloor.agents.dialogue.forms import CONFIRM_RETRIES as CONFIRM_RETRIES
from agentfloor.agents.dialogue.manager import action_done, begin, hear
from agentfloor.agents.dialogue.model import ANYTHING_ELSE as ANYTHING_ELSE
from agentfloor.agents.dialogue.model import NOT_FOUND as NOT_FOUND
from agentfloor.agents.dialogue.model import START_AGAIN as START_AGAIN
from agentfloor.agents.dialogue.model import STILL_WORKING as STILL_WORKING
from agentfloor.agents.dialogue.model import WHAT_ELSE as WHAT_ELSE
from agentfloor.agents.dialogue.model import YES_OR_NO as YES_OR_NO
from agentfloor.agents.dialogue.model import (
    DialogueOutcome,
    DialoguePolicy,
    DialogueState,
    DialogueStep,
    Finished,
    HandOff,
    HandoffReason,
    HandoffSummary,
    Output,
    Reply,
    RunAction,
    Turn,
    Understanding,
)

__all__ = [
    "DialogueOutcome",
    "DialoguePolicy",
    "DialogueState",
    "DialogueStep",
    "Finished",
    "HandOff",
    "HandoffReason",
    "HandoffSummary",
    "Output",
    "Reply",
    "RunAction",
    "Turn",
    "Understanding",
    "action_done",
    "begin",
    "hear",
]
