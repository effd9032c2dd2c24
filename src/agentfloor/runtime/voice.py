"""Voice calls on the spine: the call's interaction, its caller in the CRM, and the AI agent.

`VoiceService` is what a call session (`runtime.voice_call`) asks, in worker threads, at each
step of a call: `start_call` opens an inbound `voice` interaction for the carrier's call
(attributes `call_sid`, `stream_sid`, `from`, `to`, `phone`) and links the caller to the CRM by
phone number (the tenant's region reads national numbers; an unknown number becomes a new
customer with that phone, as a new chat visitor does); `caller_said` hands one recognised
utterance or keyed digits to the same AI agent and flows that answer chats and returns what
to say; `hints` tells recognition what the conversation expects next; `end_call` closes the
call and records why.

The AI agent (`runtime.assistant.Assistant`) posts its replies through a `ChatService`. Here
it gets `VoiceTranscript`, a `ChatService` whose AI messages go to the call: each line is
logged on the interaction as `voice.utterance` (with the agent's session, in one transaction)
and handed back to be spoken. Caller utterances are logged the same way, so the interaction
carries the call's transcript. Everything else (NLU, skills, flows, handoff, `ai.outcome`) is
the chat code unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from agentfloor.access.model import Principal, Role
from agentfloor.agents import dialogue as dlg
from agentfloor.agents.defaults import default_training
from agentfloor.agents.llm import LlmClient
from agentfloor.core.errors import Conflict, InvalidInput, NotFound
from agentfloor.crm.identities import IdentityKind
from agentfloor.flows.model import SlotType
from agentfloor.interactions.chat import ChatMessage, Sender
from agentfloor.interactions.model import Channel, Direction, Interaction, transition
from agentfloor.interactions.states import InteractionState
from agentfloor.runtime import customers, interactions
from agentfloor.runtime.assistant import Assistant
from agentfloor.runtime.assistant_settings import load_settings
from agentfloor.runtime.chat import ChatService
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.nlu import NluService
from agentfloor.runtime.router import RouterService
from agentfloor.runtime.skill_actions import WebhookCaller
from agentfloor.runtime.uow import UnitOfWork
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
STREAM_TOKEN_TTL_S: Final = 60.0  # from answering the webhook to the stream's `start`
DEFAULT_ORDER_PREFIXES: Final = ("ORD",)  # the demo's ORD-100001; per-tenant setting to come
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


class VoiceTranscript(ChatService):
    """The AI agent's reply channel for calls: lines are logged and kept for the call to say."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self._lock = threading.Lock()
        self._said: dict[str, list[str]] = {}

    def post_ai_messages(
        self,
        tenant_id: str,
        interaction_id: str,
        texts: list[str],
        also: Callable[[UnitOfWork, Changes], None] | None = None,
    ) -> list[ChatMessage]:
        """Log the AI's lines as `voice.utterance` (and what `also` writes) in one transaction."""
        lines = [t.strip() for t in texts if t.strip()]
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                raise NotFound("interaction", interaction_id)
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            if not interaction.is_final:
                for line in lines:
                    changes.log(interaction, "voice.utterance", {"sender": "ai", "text": line})
            if also is not None:
                also(uow, changes)
            changes.commit()
        with self._lock:
            self._said.setdefault(interaction_id, []).extend(lines)
        return []

    def take(self, interaction_id: str) -> list[str]:
        """Return and forget what the AI said on a call since the last `take`."""
        with self._lock:
            return self._said.pop(interaction_id, [])


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
    ) -> None:
        self.ctx = ctx
        self.router = router
        self.transcript = VoiceTranscript(ctx)
        self.assistant = Assistant(
            ctx, router=router, nlu=nlu, webhooks=webhooks, chat=self.transcript, llm=llm
        )
        self._tokens_lock = threading.Lock()
        self._tokens: dict[str, tuple[str, str, float]] = {}  # token -> tenant, call, expiry

    # --- stream tokens ---------------------------------------------------------------------------

    def issue_stream_token(self, tenant_id: str, call_sid: str) -> str:
        """Return a one-use token that lets the carrier's stream for `call_sid` in (60 s).

        The webhook is authenticated by an API key; the stream cannot be (Twilio's `<Stream>`
        URL takes no query string), so the webhook hands the carrier this token as a custom
        parameter and the stream presents it in its `start` message. Tokens live in this
        process: behind several API nodes the webhook and the stream must reach the same one
        (or the tokens move to the shared store).
        """
        now = self.ctx.clock.now()
        token = secrets.token_urlsafe(24)
        with self._tokens_lock:
            self._tokens = {k: v for k, v in self._tokens.items() if v[2] > now}
            self._tokens[token] = (tenant_id, call_sid, now + STREAM_TOKEN_TTL_S)
        return token

    def redeem_stream_token(self, token: str, call_sid: str) -> str | None:
        """Return the tenant id of a valid token for `call_sid` (used up), else None."""
        with self._tokens_lock:
            found = self._tokens.pop(token, None)
        if found is None:
            return None
        tenant_id, issued_for, expires = found
        if issued_for != call_sid or expires < self.ctx.clock.now():
            return None
        return tenant_id

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

    def caller_said(self, tenant_id: str, interaction_id: str, text: str, seq: int) -> CallReply:
        """Log one caller turn and let the AI agent answer it; `seq` counts turns from 1."""
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                raise NotFound("interaction", interaction_id)
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            changes.log(interaction, "voice.utterance", {"sender": "customer", "text": text})
            changes.commit()
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
        replies = self.transcript.take(interaction_id)
        with self.ctx.uow(tenant_id) as uow:
            current = uow.interactions.get(interaction_id) or interaction
            session = uow.ai_sessions.get(interaction_id) or {}
        outcome = (session.get("outcome") or {}).get("outcome")
        return CallReply(replies, outcome, current.is_final)

    def open_speech_hints(self) -> SpeechHints:
        """Return the hints for open speech: the domain's sentences."""
        return hints_for(None, domain=_domain_sentences())

    def hints(self, tenant_id: str, interaction_id: str) -> SpeechHints:
        """Return what recognition should expect: the slot the AI agent is asking for, if any."""
        with self.ctx.uow(tenant_id) as uow:
            session = uow.ai_sessions.get(interaction_id)
            settings = load_settings(uow)
        open_speech = self.open_speech_hints()
        raw = (session or {}).get("dialogue")
        if not raw or (session or {}).get("dialogue_done"):
            return open_speech
        state = dlg.DialogueState.from_dict(raw)
        if state.confirming:
            return hints_for("yes_no")
        skill = settings.skills.get(state.skill) if state.skill else None
        if skill is None or state.pending is None:
            return open_speech
        for skill_slot in skill.slots:
            if skill_slot.slot.name == state.pending and skill_slot.slot.type is SlotType.ORDER_ID:
                return hints_for("order_id", prefixes=DEFAULT_ORDER_PREFIXES)
        return open_speech

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
        served = _served(session)
        if session is not None and not session.get("outcome"):
            outcome = "contained" if served else "abandoned"
            self._record_outcome(interaction, session, outcome, f"call ended: {reason}")
        wanted = InteractionState.COMPLETED if served else InteractionState.ABANDONED
        if reason.startswith("protocol"):
            wanted = InteractionState.FAILED
        self._move(interaction_id, tenant_id, wanted, f"call ended: {reason}")

    def _record_outcome(
        self, interaction: Interaction, session: dict[str, Any], outcome: str, reason: str
    ) -> None:
        with self.ctx.uow(interaction.tenant_id) as uow:
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            current = uow.interactions.get(interaction.id) or interaction
            data = {"outcome": outcome, "reason": "call_ended", "detail": reason}
            uow.ai_sessions.put(interaction.id, {**session, "outcome": data}, changes.now)
            attributes = {**current.attributes, "ai": {"outcome": outcome, "reason": "call_ended"}}
            saved = dataclasses.replace(current, attributes=attributes, updated_at=changes.now)
            uow.interactions.save(saved)
            changes.log(saved, "ai.outcome", data)
            changes.commit()

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


@functools.cache
def _domain_sentences() -> tuple[str, ...]:
    """Return what callers say, for recognition: the default intent examples.

    A tenant that trained its own intents should add its examples here (they are not kept as
    text with the stored model yet); skill prompts' expected answers could join them.
    """
    examples, _ = default_training()
    return tuple(text for text, _ in examples)


def _served(session: dict[str, Any] | None) -> bool:
    """Return True when the AI had served the caller (a skill completed or a question answered)."""
    if not session:
        return False
    raw = session.get("dialogue")
    state = dlg.DialogueState.from_dict(raw) if raw else None
    return bool(state is not None and (state.completed or state.answered)) or bool(
        session.get("flow_served")
    )
