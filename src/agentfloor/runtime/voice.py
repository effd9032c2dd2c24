"""Voice calls on the spine: the call's interaction, its caller in the CRM, and the AI agent.

`VoiceService` is what a call session (`runtime.voice_call`) asks, in worker threads, at each
step of a call: `start_call` opens an inbound `voice` interaction for the carrier's call
(attributes `call_sid`, `stream_sid`, `from`, `to`, `phone`) and links the caller to the CRM by
phone number (the tenant's region reads national numbers; an unknown number becomes a new
customer with that phone, as a new chat visitor does); `caller_said` hands one recognised
utterance or keyed digits to the same AI agent and flows that answer chats and returns what
to say; `hints` tells recognition what the conversation expects next; `end_call` closes the
call and records why.

The AI agent (`runtime.assistant.Assistant`) posts its replies through a `ReplySink`. Here
it gets `VoiceTranscript` (`runtime.voice_transcript`), whose AI messages are logged as
`voice.utterance` and handed back to be spoken; caller utterances are logged the same way, so
the interaction carries the call's transcript. Everything else (NLU, skills, flows, handoff,
`ai.outcome`) is the chat code unchanged.

Before the AI agent, a caller turn may be kept aside: an answer to a narrow question heard with
low confidence is read back for a yes or no (`agentfloor.voice.confirm`), and "no recording"
or `*` stops a call recording (`runtime.voice_recording`; `start_recording` begins one when
the tenant records calls, `end_call` finishes it). What recognition expects comes from
`runtime.voice_hints`. The read-back in progress, the last question asked and the recording
are kept per call in this process, where the call's media stream is.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from agentfloor.access.model import Principal, Role
from agentfloor.agents.llm import LlmClient
from agentfloor.core.errors import AgentfloorError, Conflict, InvalidInput, NotFound
from agentfloor.crm.identities import IdentityKind
from agentfloor.flows.model import Flow
from agentfloor.interactions.chat import ChatMessage, Sender
from agentfloor.interactions.model import Channel, Direction, Interaction, transition
from agentfloor.interactions.states import InteractionState
from agentfloor.runtime import customers, interactions
from agentfloor.runtime.assistant import Assistant
from agentfloor.runtime.assistant_settings import AssistantSettings, load_settings
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.nlu import NluService
from agentfloor.runtime.router import RouterService
from agentfloor.runtime.skill_actions import WebhookCaller
from agentfloor.runtime.voice_hints import expected_hints, open_hints
from agentfloor.runtime.voice_recording import (
    DECLINED_REPLY,
    CallRecording,
    is_opt_out,
    recording_path,
)
from agentfloor.runtime.voice_tokens import STREAM_TOKEN_TTL_S, StreamTokens
from agentfloor.runtime.voice_transcript import VoiceTranscript
from agentfloor.voice import confirm as vc
from agentfloor.voice.model import SpeechHints
from agentfloor.voice.speech import hints_for

__all__ = [
    "CARRIER_KEY_ID",
    "STREAM_TOKEN_TTL_S",
    "CallInfo",
    "CallReply",
    "VoiceService",
    "VoiceTranscript",
]

CARRIER_KEY_ID: Final = "voice-carrier"
_SAY_AGAIN: Final = "Sorry about that. Could you say it again?"
_QUEUED_STATES: Final = frozenset(
    {InteractionState.QUEUED, InteractionState.OFFERED, InteractionState.CONNECTED}
)


def carrier_actor(tenant_id: str) -> Principal:
    """Return the principal that acts for the carrier (it has no API key)."""
    return Principal(tenant_id=tenant_id, key_id=CARRIER_KEY_ID, role=Role.INTEGRATION)


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the carrier says about a call when its media stream starts."""

    call_sid: str
    stream_sid: str
    from_number: str = ""
    to_number: str = ""


@dataclass(frozen=True, slots=True)
class CallReply:
    """What the AI agent answered one caller turn with.

    `outcome` is the AI's outcome once it has one (`contained`, `handed_off`); `ended` is True
    when the interaction is final (the conversation is over: say the replies, then hang up).
    """

    replies: list[str]
    outcome: str | None = None
    ended: bool = False


class VoiceService:
    """Calls of every tenant: interactions, CRM links, the AI agent's turns, the end of calls."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        router: RouterService,
        nlu: NluService,
        webhooks: WebhookCaller,
        llm: LlmClient | None = None,
        recordings_dir: Path | None = None,
    ) -> None:
        self.ctx = ctx
        self.router = router
        self.recordings_dir = recordings_dir  # None: calls are not recorded
        # Per call, in this process (a call's stream lives on one node): the answer being read
        # back, what the bot last asked (said again when the caller says no), the recording.
        self._calls_lock = threading.Lock()
        self._pending: dict[str, vc.PendingConfirmation] = {}
        self._asked: dict[str, tuple[str, ...]] = {}
        self._recordings: dict[str, CallRecording] = {}
        self.tokens = StreamTokens(ctx)
        self.transcript = VoiceTranscript(ctx)
        self.assistant = Assistant(
            ctx, router=router, nlu=nlu, webhooks=webhooks, chat=self.transcript, llm=llm
        )

    # --- stream tokens ---------------------------------------------------------------------------

    def issue_stream_token(self, tenant_id: str, call_sid: str) -> str:
        """Return a one-use token that lets the carrier's stream for `call_sid` in (60 s)."""
        return self.tokens.issue(tenant_id, call_sid)

    def redeem_stream_token(self, token: str, call_sid: str) -> str | None:
        """Return the tenant id of a valid token for `call_sid` (used up), else None."""
        return self.tokens.redeem(token, call_sid)

    # --- calls -----------------------------------------------------------------------------------

    def start_call(self, tenant_id: str, call: CallInfo) -> Interaction:
        """Open the call's interaction, linked to the caller's customer record (made if new)."""
        customer_id = self._caller(tenant_id, call.from_number)
        phone = call.from_number.strip()
        return interactions.create_interaction(
            self.ctx,
            carrier_actor(tenant_id),
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            customer_id=customer_id,
            attributes={
                "call_sid": call.call_sid,
                "stream_sid": call.stream_sid,
                "from": call.from_number,
                "to": call.to_number,
                **({"phone": phone} if phone else {}),
            },
        )

    def _caller(self, tenant_id: str, number: str) -> str | None:
        """Return the customer with this phone number, creating one; None when it is unreadable."""
        if not number.strip():
            return None
        actor = carrier_actor(tenant_id)
        try:
            return customers.lookup_customer(
                self.ctx, actor, number, kind=IdentityKind.PHONE.value
            ).customer.id
        except NotFound:
            pass
        except InvalidInput:
            return None  # "anonymous", a SIP URI: the call goes on without a CRM link
        try:
            created = customers.create_customer(
                self.ctx, actor, name="", identities=[(IdentityKind.PHONE.value, number)]
            )
        except InvalidInput:
            return None
        except Conflict:  # a second call from the same new number at the same moment
            return customers.lookup_customer(
                self.ctx, actor, number, kind=IdentityKind.PHONE.value
            ).customer.id
        return created.customer.id

    def caller_said(
        self,
        tenant_id: str,
        interaction_id: str,
        text: str,
        seq: int,
        confidence: float = 1.0,
        *,
        keyed: bool = False,
    ) -> CallReply:
        """Log one caller turn and let the AI agent answer it; `seq` counts turns from 1.

        `confidence` is the recogniser's (keyed digits: 1.0). An answer to a narrow question
        (a slot, a menu) heard with less than the tenant's `speech_confirm_below` is read back
        first and kept aside (`agentfloor.voice.confirm`, logged as `voice.confirm`); the AI
        agent gets it once the caller says yes. "No recording" or `*` stops a recording.
        Digits `keyed` on the phone's keypad where an order number is asked for are that
        number under the tenant's first `order_prefixes` ("100001" -> "ORD-100001"): a keypad
        has no letters, and keying is the dependable way to give a number to the offline
        recogniser.
        """
        interaction = self.transcript.log_caller(tenant_id, interaction_id, text, confidence)
        with self._calls_lock:
            recording = self._recordings.get(interaction_id)
            pending = self._pending.pop(interaction_id, None)
        if recording is not None and recording.active and is_opt_out(text):
            if pending is not None:  # keep the read-back for the next turn
                with self._calls_lock:
                    self._pending[interaction_id] = pending
            seconds = recording.decline()
            by = "dtmf" if text.strip() == "*" else "speech"
            self.record(
                tenant_id,
                interaction_id,
                "voice.recording_declined",
                {"by": by, "seconds_discarded": seconds},
            )
            return CallReply(self.transcript.say_own(tenant_id, interaction_id, [DECLINED_REPLY]))
        if pending is not None:
            return self._confirmation_answered(tenant_id, interaction, pending, text, seq)
        hints, settings = self._expected(tenant_id, interaction_id)
        digits = text.strip()
        if keyed and hints.name == "order_id" and digits.isdigit() and settings.order_prefixes:
            text = f"{settings.order_prefixes[0]}-{digits}"
        if vc.needs_confirmation(hints.name, confidence, settings.speech_confirm_below):
            with self._calls_lock:
                asked = self._asked.get(interaction_id, ())
                self._pending[interaction_id] = vc.PendingConfirmation(
                    text, hints.name, confidence, asked
                )
            self.record(
                tenant_id,
                interaction_id,
                "voice.confirm",
                {
                    "stage": "asked",
                    "text": text,
                    "expecting": hints.name,
                    "confidence": round(confidence, 3),
                    "threshold": settings.speech_confirm_below,
                },
            )
            return CallReply(
                self.transcript.say_own(tenant_id, interaction_id, [vc.confirm_prompt(text)])
            )
        return self._respond(interaction, text, seq)

    def _confirmation_answered(
        self,
        tenant_id: str,
        interaction: Interaction,
        pending: vc.PendingConfirmation,
        said: str,
        seq: int,
    ) -> CallReply:
        decision = vc.answer_confirmation(pending, said)
        data: dict[str, Any] = {"stage": "answered", "text": pending.text, "said": said}
        match decision:
            case vc.AnswerAccepted(text=answer):
                self.record(tenant_id, interaction.id, "voice.confirm", {**data, "result": "yes"})
                return self._respond(interaction, answer, seq)
            case vc.AnswerReplaced(text=keyed):
                keyed_data = {**data, "result": "keyed"}
                self.record(tenant_id, interaction.id, "voice.confirm", keyed_data)
                return self._respond(interaction, keyed, seq)
            case vc.QuestionRepeated(question=question, reason=reason):
                result = "no" if reason == "rejected" else "unclear"
                self.record(tenant_id, interaction.id, "voice.confirm", {**data, "result": result})
                return CallReply(
                    self.transcript.say_own(
                        tenant_id, interaction.id, list(question) or [_SAY_AGAIN]
                    )
                )
            case vc.AskAgain(prompt=prompt, pending=again):
                with self._calls_lock:
                    self._pending[interaction.id] = again
                self.record(
                    tenant_id, interaction.id, "voice.confirm", {**data, "result": "unclear"}
                )
                return CallReply(self.transcript.say_own(tenant_id, interaction.id, [prompt]))

    def _respond(self, interaction: Interaction, text: str, seq: int) -> CallReply:
        """Hand the caller's words to the AI agent; return what it answered."""
        tenant_id, interaction_id = interaction.tenant_id, interaction.id
        message = ChatMessage(
            id=self.ctx.ids.new("msg"),
            tenant_id=tenant_id,
            interaction_id=interaction_id,
            seq=seq,
            sender=Sender.CUSTOMER,
            text=text,
            created_at=self.ctx.clock.now(),
        )
        self.assistant.respond(self.ctx, interaction, message)
        return self._reply(interaction)

    def open_call(self, tenant_id: str, interaction_id: str) -> CallReply | None:
        """Let the tenant's entry flow speak first (its menu plays on answer).

        Returns what the flow said (logged already), or None when there is no entry flow (or
        the AI agent is off): the call then greets in its own words.
        """
        if not self.assistant.begin(tenant_id, interaction_id):
            return None
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
        if interaction is None:
            raise NotFound("interaction", interaction_id)
        return self._reply(interaction)

    def _reply(self, interaction: Interaction) -> CallReply:
        """Return what the AI agent just said on the call, with its outcome and whether it ended."""
        tenant_id, interaction_id = interaction.tenant_id, interaction.id
        replies = self.transcript.take(interaction_id)
        if replies:
            with self._calls_lock:
                self._asked[interaction_id] = tuple(replies)
        with self.ctx.uow(tenant_id) as uow:
            current = uow.interactions.get(interaction_id) or interaction
            session = uow.ai_sessions.get(interaction_id) or {}
        outcome = (session.get("outcome") or {}).get("outcome")
        return CallReply(replies, outcome, current.is_final)

    def open_speech_hints(self) -> SpeechHints:
        """Return the hints for open speech with default settings (to warm recognition up)."""
        return open_hints()

    def hints(self, tenant_id: str, interaction_id: str) -> SpeechHints:
        """Return what recognition should expect next (see `runtime.voice_hints`).

        While an answer is being read back, a yes or a no.
        """
        with self._calls_lock:
            if interaction_id in self._pending:
                return hints_for("yes_no")
        return self._expected(tenant_id, interaction_id)[0]

    def _expected(
        self, tenant_id: str, interaction_id: str
    ) -> tuple[SpeechHints, AssistantSettings]:
        with self.ctx.uow(tenant_id) as uow:
            session = uow.ai_sessions.get(interaction_id)
            settings = load_settings(uow)
        flow: Flow | None = None
        if session and session.get("mode") == "flow" and "flow" in session:
            with contextlib.suppress(AgentfloorError):
                # The assistant's cache of parsed flow versions (versions never change).
                flow = self.assistant._flow(tenant_id, session)
        return expected_hints(settings, session, flow), settings

    # --- recording -------------------------------------------------------------------------------

    def start_recording(self, tenant_id: str, interaction_id: str) -> CallRecording | None:
        """Start recording a call if the tenant records calls; None when it does not.

        The caller is told first (`voice_recording.CONSENT_PROMPT`, said by the call session)
        and can opt out. Without a recordings directory nothing is recorded.
        """
        if self.recordings_dir is None:
            return None
        with self.ctx.uow(tenant_id) as uow:
            settings = load_settings(uow)
        if not settings.recording:
            return None
        path = recording_path(self.recordings_dir, tenant_id, interaction_id)
        try:
            recording = CallRecording(path)
        except OSError as exc:  # a full or read-only disk must not stop the call
            self.record(
                tenant_id, interaction_id, "voice.recording_failed", {"reason": str(exc)[:500]}
            )
            return None
        with self._calls_lock:
            self._recordings[interaction_id] = recording
        self.record(tenant_id, interaction_id, "voice.recording_started", {"path": str(path)})
        return recording

    def _finish_call(self, tenant_id: str, interaction_id: str) -> None:
        """Forget the call's read-back and last question; finish its recording (logged)."""
        with self._calls_lock:
            self._pending.pop(interaction_id, None)
            self._asked.pop(interaction_id, None)
            recording = self._recordings.pop(interaction_id, None)
        info = recording.finish() if recording is not None else None
        if info is not None:
            self.record(
                tenant_id,
                interaction_id,
                "voice.recording",
                {"path": str(info.path), "seconds": info.seconds, "channels": info.channels},
            )

    def record(self, tenant_id: str, interaction_id: str, type_: str, data: dict[str, Any]) -> None:
        """Append one event (`voice.turn`, `voice.heard`, `voice.dtmf`...) to the call's log."""
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                return
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            changes.log(interaction, type_, data)
            changes.commit()

    def end_call(self, tenant_id: str, interaction_id: str, reason: str) -> None:
        """Close the call: log `voice.call_ended` with `reason`, settle the AI's outcome and state.

        A call the AI still had gets its outcome as a chat that went quiet does: `contained`
        when the caller had been served, `abandoned` otherwise. A caller who hangs up while
        queued abandons the task. A call that ended on a protocol error is `failed`.
        """
        self._finish_call(tenant_id, interaction_id)
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            session = uow.ai_sessions.get(interaction_id)
        if interaction is None:
            return
        self.record(
            tenant_id,
            interaction_id,
            "voice.call_ended",
            {"reason": reason, "state": interaction.state.value},
        )
        if interaction.is_final:
            return
        if interaction.state in _QUEUED_STATES:
            task_id = ((session or {}).get("handoff_facts") or {}).get("task_id")
            if isinstance(task_id, str) and interaction.state is not InteractionState.CONNECTED:
                with contextlib.suppress(NotFound, Conflict):
                    self.router.cancel(tenant_id, task_id, abandoned=True, actor_key_id=None)
                    return
            if interaction.state is InteractionState.CONNECTED:
                return  # a person has the call; they wrap it up
            # queued with no task to cancel (or it could not be): not left waiting forever
            self._move(
                interaction_id, tenant_id, InteractionState.ABANDONED, f"call ended: {reason}"
            )
            return
        self.assistant.close_contact(
            tenant_id,
            interaction_id,
            reason="call_ended",
            detail=f"call ended: {reason}",
            failed=reason.startswith("protocol"),
        )

    def _move(
        self, interaction_id: str, tenant_id: str, wanted: InteractionState, why: str
    ) -> None:
        with self.ctx.uow(tenant_id) as uow:
            current = uow.interactions.get(interaction_id)
            if current is None or current.is_final:
                return
            now = self.ctx.clock.now()
            try:
                done = transition(current, wanted, now)
            except Conflict:
                return
            uow.interactions.save(done)
            changes = Changes(self.ctx, uow, None, now)
            changes.log(
                done,
                "interaction.state_changed",
                {"from": current.state.value, "to": wanted.value, "reason": why},
            )
            changes.commit()
