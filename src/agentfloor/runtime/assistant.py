"""The AI agent at work on chats: flow interpreter, NLU, dialogue and skills, handoff, containment.

`Assistant` is the `ChatResponder` the chat service calls after each new customer message. Per
contact it keeps one session document (`uow.ai_sessions`): the flow state when the tenant's
assistant settings name an entry flow (the contact stays on the version it started on), and the
dialogue state while a skill runs. Each message is understood once (`NluService`), then drives
the flow (`flows.advance`) or the dialogue (`agents.dialogue.hear`); their requests are carried
out here: webhooks, CRM lookups, skill actions, enqueueing through the router.

Every contact the AI handles ends with exactly one `ai.outcome` event on the interaction:
`contained` (resolved without a person; the interaction is completed) or `handed_off` (a routed
task now carries the summary: intent, filled slots, recent transcript, sentiment, customer), each
with its reason, which is what the containment KPI counts. Once handed off (or once a worker has
the chat) the AI stays quiet. A message is handled at most once (`handled_seq`), so a re-drive
after a crash cannot answer twice.

With an LLM configured (`Container.llm`), an out-of-scope question outside a form is answered
from the tenant's knowledge base (FAQ answers and `knowledge` articles) when the model finds the
answer there, and the handoff summary gains a one-paragraph synopsis; without one, or when it
fails, everything works the same offline.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from agentfloor.agents import dialogue as dlg
from agentfloor.agents.llm import ChatMessage as LlmMessage
from agentfloor.agents.llm import LlmClient, LlmUnavailable
from agentfloor.core.errors import AgentfloorError
from agentfloor.crm.identities import IdentityKind
from agentfloor.flows import interpreter
from agentfloor.flows import steps as fs
from agentfloor.flows.errors import FlowInvalid
from agentfloor.flows.model import Flow
from agentfloor.flows.validation import parse_flow
from agentfloor.interactions.chat import ChatMessage
from agentfloor.interactions.model import Interaction, transition
from agentfloor.interactions.states import TRANSITIONS, InteractionState
from agentfloor.routing.model import Task, TaskState
from agentfloor.runtime.assistant_settings import AssistantSettings, load_settings
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.nlu import NluService
from agentfloor.runtime.router import RouterService
from agentfloor.runtime.skill_actions import SkillActions, WebhookCaller
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["Assistant", "Outcome", "ReplySink", "served_by_ai"]

log = logging.getLogger(__name__)

_STRIPES: Final = 64
_FLOW_CACHE: Final = 256  # parsed flow versions kept; the cache starts over when full
_MAX_ROUNDS: Final = 50  # requests answered within one message; a loop guard
_HANDOFF_SAY: Final = (
    "I'm connecting you with a colleague now. They will see our conversation, so you won't "
    "need to repeat yourself."
)
_NO_AGENTS: Final = (
    "I'm sorry, I can't reach a colleague right now. Please try again a little later, or leave "
    "your e-mail address and we'll write to you."
)
_AI_STATES: Final = frozenset({InteractionState.CREATED, InteractionState.IN_FLOW})
_QUIET_STATES: Final = frozenset(
    {InteractionState.QUEUED, InteractionState.OFFERED, InteractionState.CONNECTED}
)


class ReplySink(Protocol):
    """Where the AI agent's replies go: a chat transcript (`ChatService`), a call's speech."""

    def post_ai_messages(
        self,
        tenant_id: str,
        interaction_id: str,
        texts: list[str],
        also: Callable[[UnitOfWork, Changes], None] | None = None,
    ) -> Sequence[ChatMessage]:
        """Deliver the replies, writing what `also` writes in the same transaction."""
        ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the AI's part of a contact ended."""

    outcome: str  # contained | handed_off
    reason: str
    detail: str = ""


@dataclass(slots=True)
class _Turn:
    """What handling one message produced: replies, the session, an outcome, tasks."""

    session: dict[str, Any]
    replies: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    complete: bool = False
    summary: dict[str, Any] | None = None


class Assistant:
    """Answers chats for every tenant whose assistant is enabled (the default)."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        router: RouterService,
        nlu: NluService,
        webhooks: WebhookCaller,
        chat: ReplySink,
        llm: LlmClient | None = None,
    ) -> None:
        self.ctx = ctx
        self.router = router
        self.nlu = nlu
        self.webhooks = webhooks
        self.actions = SkillActions(ctx, webhooks)
        self.chat = chat
        self.llm = llm
        self._locks = [threading.Lock() for _ in range(_STRIPES)]
        self._flows: dict[tuple[str, str, int], Flow] = {}  # parsed flow versions

    # --- ChatResponder ---------------------------------------------------------------------------

    def respond(
        self, ctx: ServiceContext, interaction: Interaction, message: ChatMessage
    ) -> list[str]:
        """Handle one customer message; replies are posted here, in order, so none are returned."""
        with self._locks[hash(interaction.id) % _STRIPES]:
            self._respond(interaction.tenant_id, interaction.id, message)
        return []

    def _respond(self, tenant_id: str, interaction_id: str, message: ChatMessage) -> None:
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            settings = load_settings(uow)
            session = uow.ai_sessions.get(interaction_id)
            trained_at = uow.intent_models.trained_at()
        if interaction is None or not settings.enabled or interaction.is_final:
            return
        if session is None:
            if interaction.worker_id or interaction.state in _QUIET_STATES:
                return  # a person has this chat already
            session = {"handled_seq": 0, "mode": "flow" if settings.flow_id else "ai"}
        if session.get("outcome") or session.get("handled_seq", 0) >= message.seq:
            return
        understanding, _ = self.nlu.understand(
            tenant_id,
            message.text,
            timezone=settings.timezone,
            region=settings.region,
            enums=settings.enums(),
            trained_at=trained_at,
        )
        turn = _Turn(session=dict(session))
        try:
            self._drive(settings, interaction, understanding, turn)
        except AgentfloorError as exc:
            # Our own rule refused something (a flow version gone, bad data): hand off, say why.
            log.warning("assistant failed on %s: %s", interaction_id, exc)
            self._hand_off(
                settings, interaction, turn, "error", str(exc), None, self._plain_summary(turn)
            )
        turn.session["handled_seq"] = message.seq
        self._post_turn(interaction, turn)

    def begin(self, tenant_id: str, interaction_id: str) -> bool:
        """Open a contact before the customer says anything: run the entry flow's first steps.

        A call is answered by the bot speaking first, so a tenant's entry flow (a menu, a
        question) must play its first prompt on answer instead of waiting for the caller.
        Returns True when the flow started (its words were posted through `chat`), False when
        there is nothing to begin (no entry flow, the assistant off, a session already there):
        the channel then greets in its own words.
        """
        with self._locks[hash(interaction_id) % _STRIPES]:
            with self.ctx.uow(tenant_id) as uow:
                interaction = uow.interactions.get(interaction_id)
                settings = load_settings(uow)
                session = uow.ai_sessions.get(interaction_id)
            if interaction is None or interaction.is_final or session is not None:
                return False
            if not settings.enabled or not settings.flow_id:
                return False
            turn = _Turn(session={"handled_seq": 0, "mode": "flow", "started": True})
            self._enter_flow(interaction)
            try:
                flow, step = self._first_step(settings, interaction, turn)
                silence = dlg.Understanding(text="")
                self._flow_outputs(settings, interaction, flow, step, turn, silence)
            except AgentfloorError as exc:
                log.warning("assistant failed to begin %s: %s", interaction_id, exc)
                self._hand_off(
                    settings, interaction, turn, "error", str(exc), None, self._plain_summary(turn)
                )
            self._post_turn(interaction, turn)
            return True

    def _first_step(
        self, settings: AssistantSettings, interaction: Interaction, turn: _Turn
    ) -> tuple[Flow, fs.Step]:
        """Start the entry flow on the contact; return it and its first step."""
        assert settings.flow_id is not None
        with self.ctx.uow(interaction.tenant_id) as uow:
            stored = uow.flows.get(settings.flow_id)
        if stored is None:
            raise FlowInvalid([])  # handled as an error handoff
        turn.session["flow"] = {"flow_id": stored.flow_id, "version": stored.version}
        flow = self._flow(interaction.tenant_id, turn.session)
        return flow, interpreter.start(flow, _contact(interaction), self.ctx.clock.now())

    def _post_turn(self, interaction: Interaction, turn: _Turn) -> None:
        """Post the turn's replies with its session and outcome (one transaction), then finish."""
        if turn.outcome is not None:
            turn.session["outcome"] = dataclasses.asdict(turn.outcome)
        replies = [r for r in turn.replies if r.strip()]
        self.chat.post_ai_messages(
            interaction.tenant_id,
            interaction.id,
            replies,
            also=lambda uow, changes: self._record(uow, changes, interaction, turn),
        )
        if turn.complete:
            self._complete(interaction)

    # --- driving flow and dialogue ---------------------------------------------------------------

    def _drive(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        heard: dlg.Understanding,
        turn: _Turn,
    ) -> None:
        session = turn.session
        self._note(session, "customer", heard.text)
        if "started" not in session:
            session["started"] = True
            self._enter_flow(interaction)
            if session["mode"] == "flow":
                self._start_flow(settings, interaction, heard, turn)
                return
            step = dlg.begin(settings.skills, settings.policy(), attributes=_contact(interaction))
            session["dialogue"] = step.state.to_dict()
        if session.get("dialogue") is not None and not session.get("dialogue_done"):
            state = dlg.DialogueState.from_dict(session["dialogue"])
            if self._knowledge_answer(settings, state, heard, turn):
                return
            step = dlg.hear(settings.skills, settings.policy(), state, heard)
            self._dialogue(settings, interaction, step, turn)
            return
        if session["mode"] == "flow":
            flow = self._flow(interaction.tenant_id, session)
            flow_state = _flow_state(session["flow"])
            said = fs.CustomerSaid(heard.text, heard.intent, dict(heard.entities))
            step_ = interpreter.advance(flow, flow_state, said, self.ctx.clock.now())
            self._flow_outputs(settings, interaction, flow, step_, turn, heard)

    def _start_flow(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        heard: dlg.Understanding,
        turn: _Turn,
    ) -> None:
        flow, step = self._first_step(settings, interaction, turn)
        first = step.outputs
        asking = bool(first) and isinstance(first[-1], fs.Ask) and not step.state.is_done
        if not asking:
            self._flow_outputs(settings, interaction, flow, step, turn, heard)
            return
        # The first message answers the first question when it can ("where is my order?" at
        # the menu); the question is then not shown. Otherwise the customer sees it.
        said = fs.CustomerSaid(heard.text, heard.intent, dict(heard.entities))
        answered = interpreter.advance(flow, step.state, said, self.ctx.clock.now())
        accepted = answered.state.retries == 0 or answered.state.block_id != step.state.block_id
        shown = first[:-1] if accepted else first
        self._flow_outputs(
            settings, interaction, flow, fs.Step(step.state, shown), turn, heard, record=False
        )
        if accepted:
            self._flow_outputs(settings, interaction, flow, answered, turn, heard)
        else:
            turn.session["flow"]["state"] = _flow_dict(step.state)

    def _flow(self, tenant_id: str, session: Mapping[str, Any]) -> Flow:
        """Return the flow version the contact runs; versions never change, so parse each once."""
        ref = session["flow"]
        key = (tenant_id, str(ref["flow_id"]), int(ref["version"]))
        flow = self._flows.get(key)
        if flow is not None:
            return flow
        with self.ctx.uow(tenant_id) as uow:
            stored = uow.flows.get(ref["flow_id"], ref["version"])
        if stored is None:
            raise FlowInvalid([])
        flow = parse_flow(
            stored.source,
            flow_id=stored.flow_id,
            tenant_id=tenant_id,
            version=stored.version,
            now=stored.created_at,
        )
        if len(self._flows) >= _FLOW_CACHE:
            self._flows.clear()
        self._flows[key] = flow
        return flow

    def _flow_outputs(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        flow: Flow,
        step: fs.Step,
        turn: _Turn,
        heard: dlg.Understanding,
        *,
        record: bool = True,
    ) -> None:
        """Say, ask and carry out what the flow asked for, feeding answers back, until it waits."""
        pending = list(step.outputs)
        state = step.state
        rounds = 0
        while pending:
            action = pending.pop(0)
            answer: fs.PortResult | None = None
            match action:
                case fs.Say(text=text):
                    self._say(turn, text)
                case fs.Ask():
                    self._say(turn, _ask_text(action))
                case fs.OfferCallback(prompt=prompt):
                    self._say(turn, f"{prompt} (yes / no)")
                case fs.CallWebhook():
                    answer = self._call_webhook(action)
                case fs.LookupCustomer():
                    answer = self._lookup(interaction, action)
                case fs.RunSkill():
                    turn.session["flow"]["state"] = _flow_dict(state)
                    turn.session["skill_request"] = action.request_id
                    self._run_skill(settings, interaction, action, heard, turn)
                    return  # the dialogue now has the contact until it ends
                case fs.Enqueue():
                    answer = self._enqueue(settings, interaction, action, turn)
                case fs.Transfer():
                    self._transfer(interaction, action, turn)
                case fs.ScheduleCallback():
                    self._callback(interaction, action)
                case fs.End():
                    self._flow_end(interaction, action, turn)
            if answer is not None:
                rounds += 1
                if rounds > _MAX_ROUNDS:
                    break
                following = interpreter.advance(flow, state, answer, self.ctx.clock.now())
                state = following.state
                pending = list(following.outputs) + pending
        if record:
            turn.session["flow"]["state"] = _flow_dict(state)

    def _run_skill(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        request: fs.RunSkill,
        heard: dlg.Understanding,
        turn: _Turn,
    ) -> None:
        known = {**dict(request.slots), **dict(heard.entities)}
        step = dlg.begin(
            settings.skills,
            settings.policy(),
            skill=request.skill,
            attributes={**_contact(interaction), **_scalars(request.attributes)},
            slots=known,
            single=True,
        )
        turn.session["dialogue_done"] = False
        self._dialogue(settings, interaction, step, turn)

    def _dialogue(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        step: dlg.DialogueStep,
        turn: _Turn,
    ) -> None:
        """Carry out the dialogue's outputs; at its end, hand back to the flow or finish."""
        pending = list(step.outputs)
        state = step.state
        rounds = 0
        while pending:
            output = pending.pop(0)
            match output:
                case dlg.Reply(text=text):
                    self._say(turn, text)
                case dlg.RunAction():
                    rounds += 1
                    ok, result = (
                        self.actions.run(settings, interaction, output)
                        if rounds <= _MAX_ROUNDS
                        else (False, {"error": "too many actions in one turn"})
                    )
                    following = dlg.action_done(
                        settings.skills, settings.policy(), state, output.request_id, ok, result
                    )
                    state = following.state
                    pending = list(following.outputs) + pending
                case dlg.HandOff():
                    turn.session["dialogue"] = state.to_dict()
                    self._dialogue_end(settings, interaction, turn, handoff=output)
                    return
                case dlg.Finished(reason=reason):
                    turn.session["dialogue"] = state.to_dict()
                    self._dialogue_end(settings, interaction, turn, finished=reason)
                    return
        turn.session["dialogue"] = state.to_dict()

    def _dialogue_end(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        turn: _Turn,
        *,
        handoff: dlg.HandOff | None = None,
        finished: str | None = None,
    ) -> None:
        turn.session["dialogue_done"] = True
        state = dlg.DialogueState.from_dict(turn.session["dialogue"])
        if turn.session["mode"] == "flow" and "flow" in turn.session:
            # Back to the flow: its ai_agent block branches on the outcome.
            flow = self._flow(interaction.tenant_id, turn.session)
            flow_state = _flow_state(turn.session["flow"])
            data: dict[str, object] = {"slots": dict(state.slots)}
            if handoff is not None:
                summary = self._summary(handoff.summary)
                data |= {
                    "outcome": "handoff",
                    "reason": handoff.reason.value,
                    "detail": handoff.detail,
                    "summary": summary,
                }
                turn.summary = summary
                turn.session["handoff"] = {
                    "reason": handoff.reason.value,
                    "detail": handoff.detail,
                    "queue": handoff.queue,
                }
            else:
                data |= {"outcome": "contained", "reason": finished or "skill completed"}
                turn.session["flow_served"] = True
            result = fs.PortResult(
                fs.PortKind.AI_AGENT,
                ok=True,
                data=data,
                request_id=turn.session.get("skill_request"),
            )
            step = interpreter.advance(flow, flow_state, result, self.ctx.clock.now())
            heard = dlg.Understanding(text="", intent=None, confidence=0.0, guess=None)
            self._flow_outputs(settings, interaction, flow, step, turn, heard)
            return
        if handoff is not None:
            summary = self._summary(handoff.summary)
            self._hand_off(
                settings,
                interaction,
                turn,
                handoff.reason.value,
                handoff.detail,
                handoff.queue,
                summary,
            )
            return
        served = bool(state.completed) or bool(state.answered)
        reason = finished or "finished"
        turn.outcome = Outcome(
            "contained" if served else "abandoned",
            reason if served else "left without being served",
        )
        turn.complete = True

    # --- requests --------------------------------------------------------------------------------

    def _call_webhook(self, action: fs.CallWebhook) -> fs.PortResult:
        answer = self.webhooks.call(
            action.url, action.method, action.headers, action.body, action.timeout_s, action.retries
        )
        if answer.ok:
            data: dict[str, object] = {"status": answer.status, "body": answer.body}
            return fs.PortResult(fs.PortKind.WEBHOOK, True, data, action.request_id)
        error = answer.error or f"status {answer.status}"
        data = {"error": error, "status": answer.status}
        return fs.PortResult(fs.PortKind.WEBHOOK, False, data, action.request_id)

    def _lookup(self, interaction: Interaction, action: fs.LookupCustomer) -> fs.PortResult:
        kinds = {
            "phone": IdentityKind.PHONE,
            "email": IdentityKind.EMAIL,
            "chat": IdentityKind.CHAT,
        }
        with self.ctx.uow(interaction.tenant_id) as uow:
            customer_id = interaction.customer_id
            for kind, value in action.identities:
                if customer_id is not None:
                    break
                identity = uow.customers.find_identity(kinds[kind], value)
                customer_id = identity.customer_id if identity else None
            customer = uow.customers.get(customer_id) if customer_id else None
        if customer is None:
            return fs.PortResult(fs.PortKind.CRM_LOOKUP, True, {}, action.request_id)
        record = {"id": customer.id, "name": customer.name, **customer.attributes}
        return fs.PortResult(fs.PortKind.CRM_LOOKUP, True, {"customer": record}, action.request_id)

    def _task(
        self,
        interaction: Interaction,
        attributes: Mapping[str, object],
        *,
        workflow_id: str | None = None,
        queue_id: str | None = None,
        priority: int = 0,
        callback: bool = False,
    ) -> Task:
        now = self.ctx.clock.now()
        return Task(
            id=self.ctx.ids.new("tsk"),
            tenant_id=interaction.tenant_id,
            state=TaskState.PENDING,
            created_at=now,
            updated_at=now,
            channel=interaction.channel.value,
            priority=priority,
            interaction_id=interaction.id,
            queue_id=queue_id,
            attributes=_scalars(attributes, deep=True),
            workflow_id=workflow_id,
            callback=callback,
        )

    def _submit(self, interaction: Interaction, task: Task) -> dict[str, object]:
        """Route `task`; return the queue facts (position, estimated wait) or the error."""
        try:
            routed = self.router.submit(interaction.tenant_id, task, actor_key_id=None)
        except AgentfloorError as exc:
            return {"error": str(exc)}
        facts: dict[str, object] = {"task_id": routed.id}
        if routed.queue_id:
            with self.router.lock(interaction.tenant_id):
                waiting = self.router.engine(interaction.tenant_id).waiting(routed.queue_id)
            ids = [t.id for t in waiting]
            if routed.id in ids:
                facts["position"] = ids.index(routed.id) + 1
        return facts

    def _enqueue(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        action: fs.Enqueue,
        turn: _Turn,
    ) -> fs.PortResult:
        attributes = dict(action.attributes)
        summary = turn.summary or self._plain_summary(turn)
        attributes["summary"] = summary
        task = self._task(
            interaction,
            attributes,
            workflow_id=action.workflow_id,
            queue_id=action.queue_id,
            priority=action.priority,
        )
        facts = self._submit(interaction, task)
        ok = "error" not in facts
        if ok:
            handoff = turn.session.get("handoff") or {}
            turn.outcome = Outcome(
                "handed_off",
                str(handoff.get("reason") or "flow_enqueued"),
                str(
                    handoff.get("detail")
                    or f"the flow enqueued the contact ({flow_target(action)})"
                ),
            )
            self._log_handoff(interaction, turn, facts, summary)
        return fs.PortResult(fs.PortKind.ENQUEUE, ok, facts, action.request_id)

    def _transfer(self, interaction: Interaction, action: fs.Transfer, turn: _Turn) -> None:
        summary = turn.summary or self._plain_summary(turn)
        attributes = {**dict(action.attributes), "summary": summary}
        if action.worker_id:
            attributes["preferred_worker_id"] = action.worker_id
        task = self._task(interaction, attributes, queue_id=action.queue_id)
        if action.queue_id is None:
            self._say(turn, _NO_AGENTS)
            turn.outcome = Outcome("handed_off", "transfer_failed", "no queue to transfer to")
            return
        facts = self._submit(interaction, task)
        if "error" in facts:
            self._say(turn, _NO_AGENTS)
            turn.outcome = Outcome("handed_off", "transfer_failed", str(facts["error"]))
            return
        turn.outcome = Outcome("handed_off", "flow_transfer", f"transferred to {action.queue_id}")
        self._log_handoff(interaction, turn, facts, summary)

    def _callback(self, interaction: Interaction, action: fs.ScheduleCallback) -> None:
        attributes = {**dict(action.attributes), "callback_number": action.number}
        task = self._task(interaction, attributes, queue_id=action.queue_id, callback=True)
        if action.queue_id is not None:
            self._submit(interaction, task)

    def _flow_end(self, interaction: Interaction, end: fs.End, turn: _Turn) -> None:
        if end.outcome is fs.FlowOutcome.COMPLETED:
            if turn.outcome is None:
                turn.outcome = Outcome("contained", "flow_completed", end.reason)
            turn.complete = True
        elif end.outcome is fs.FlowOutcome.FAILED and turn.outcome is None:
            turn.outcome = Outcome("handed_off", "flow_failed", end.reason)
            turn.complete = True

    def _hand_off(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        turn: _Turn,
        reason: str,
        detail: str,
        queue: str | None,
        summary: dict[str, Any],
    ) -> None:
        """Route the contact to a person (AI mode): the summary travels on the task."""
        workflows = settings.handoff_workflows
        workflow_id = workflows.get(queue or "default") or workflows.get("default")
        if workflow_id is None:
            with self.ctx.uow(interaction.tenant_id) as uow:
                first = next(iter(sorted(uow.workflows.all(), key=lambda w: w.created_at)), None)
            workflow_id = first.id if first else None
        turn.outcome = Outcome("handed_off", reason, detail)
        if workflow_id is None:
            self._say(turn, _NO_AGENTS)
            self._log_handoff(interaction, turn, {"error": "no workflow to hand off to"}, summary)
            return
        attributes = {
            "summary": summary,
            "handoff_reason": reason,
            "intent": summary.get("intent"),
            "skill": summary.get("skill"),
            "sentiment": summary.get("sentiment"),
        }
        if queue:
            attributes["topic"] = queue  # a workflow can route on it (task.topic == "sales")
        facts = self._submit(
            interaction, self._task(interaction, attributes, workflow_id=workflow_id)
        )
        if "error" in facts:
            self._say(turn, _NO_AGENTS)
        else:
            self._say(turn, _HANDOFF_SAY)
            position = facts.get("position")
            if isinstance(position, int):
                self._say(turn, f"You are number {position} in the queue.")
        self._log_handoff(interaction, turn, facts, summary)

    def _log_handoff(
        self,
        interaction: Interaction,
        turn: _Turn,
        facts: Mapping[str, object],
        summary: Mapping[str, Any],
    ) -> None:
        turn.session["handoff_facts"] = {**dict(facts), "summary": dict(summary)}

    # --- summaries and knowledge -----------------------------------------------------------------

    def _summary(self, summary: dlg.HandoffSummary) -> dict[str, Any]:
        data = summary.to_dict()
        data["text"] = summary.text()
        if self.llm is not None:
            with contextlib.suppress(LlmUnavailable):
                data["synopsis"] = self.llm.complete(
                    [
                        LlmMessage(
                            "system",
                            "Summarise this customer conversation for the human agent taking "
                            "over, in two sentences: what the customer wants and what is known.",
                        ),
                        LlmMessage("user", summary.text()),
                    ],
                    max_tokens=120,
                )
        return data

    def _plain_summary(self, turn: _Turn) -> dict[str, Any]:
        """Summarise without a dialogue (a flow that enqueues): the recent transcript."""
        turns = list(turn.session.get("turns", []))
        lines = "\n".join(f" {t['sender']}: {t['text']}" for t in turns)
        return {"reason": "flow", "transcript": turns, "text": f"Last messages:\n{lines}"}

    def _knowledge_answer(
        self,
        settings: AssistantSettings,
        state: dlg.DialogueState,
        heard: dlg.Understanding,
        turn: _Turn,
    ) -> bool:
        """With an LLM, answer an out-of-scope question from the knowledge base; True if done."""
        if self.llm is None or heard.intent is not None or state.skill is not None:
            return False
        knowledge = "\n".join(f"- {text}" for text in settings.answers.values())
        knowledge += "".join(f"\n- {text}" for text in settings.knowledge)
        try:
            answer = self.llm.complete(
                [
                    LlmMessage(
                        "system",
                        "You answer customers of a company using ONLY these facts:\n"
                        f"{knowledge}\nIf the facts do not answer the question, reply exactly "
                        "UNKNOWN. Be brief and friendly.",
                    ),
                    LlmMessage("user", heard.text),
                ],
                max_tokens=200,
            ).strip()
        except LlmUnavailable:
            return False
        if not answer or "UNKNOWN" in answer.upper():
            return False
        self._say(turn, answer)
        self._say(turn, "Is there anything else I can help with?")
        turn.session["dialogue"] = dataclasses.replace(state, answered=True).to_dict()
        return True

    # --- bookkeeping -----------------------------------------------------------------------------

    def _say(self, turn: _Turn, text: str) -> None:
        turn.replies.append(text)
        self._note(turn.session, "ai", text)

    @staticmethod
    def _note(session: dict[str, Any], sender: str, text: str) -> None:
        if not text:
            return
        turns = list(session.get("turns", []))[-11:]
        turns.append({"sender": sender, "text": text[:500]})
        session["turns"] = turns

    def _enter_flow(self, interaction: Interaction) -> None:
        """Move a new chat to `in_flow`: the AI has it."""
        with self.ctx.uow(interaction.tenant_id) as uow:
            current = uow.interactions.get(interaction.id)
            if current is None or current.state is not InteractionState.CREATED:
                return
            now = self.ctx.clock.now()
            moved = transition(current, InteractionState.IN_FLOW, now)
            uow.interactions.save(moved)
            changes = Changes(self.ctx, uow, None, now)
            changes.log(
                moved,
                "interaction.state_changed",
                {"from": "created", "to": "in_flow", "reason": "ai"},
            )
            changes.commit()

    def _save(self, interaction: Interaction, turn: _Turn) -> None:
        """Store the session and, once, the outcome, in a transaction of their own."""
        with self.ctx.uow(interaction.tenant_id) as uow:
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            self._record(uow, changes, interaction, turn)
            changes.commit()

    def _record(
        self, uow: UnitOfWork, changes: Changes, interaction: Interaction, turn: _Turn
    ) -> None:
        """Write the session and, once, the outcome event (and the summary on the interaction)."""
        uow.ai_sessions.put(interaction.id, turn.session, changes.now)
        outcome = turn.outcome
        if outcome is None:
            return
        current = uow.interactions.get(interaction.id) or interaction
        facts = turn.session.get("handoff_facts") or {}
        data: dict[str, Any] = {
            "outcome": outcome.outcome,
            "reason": outcome.reason,
            "detail": outcome.detail,
        }
        if outcome.outcome == "handed_off":
            data |= {"task_id": facts.get("task_id"), "summary": facts.get("summary")}
        attributes = {**current.attributes, "ai": {k: data[k] for k in ("outcome", "reason")}}
        saved = dataclasses.replace(current, attributes=attributes, updated_at=changes.now)
        uow.interactions.save(saved)
        changes.log(saved, "ai.outcome", data)

    def _complete(
        self,
        interaction: Interaction,
        wanted: InteractionState = InteractionState.COMPLETED,
        reason: str = "resolved by the AI agent",
    ) -> None:
        with self.ctx.uow(interaction.tenant_id) as uow:
            current = uow.interactions.get(interaction.id)
            if current is None or current.state not in _AI_STATES:
                return
            if wanted not in TRANSITIONS[current.state]:
                wanted = InteractionState.ABANDONED  # never served: nothing to complete
            now = self.ctx.clock.now()
            done = transition(current, wanted, now)
            uow.interactions.save(done)
            changes = Changes(self.ctx, uow, None, now)
            changes.log(
                done,
                "interaction.state_changed",
                {"from": current.state.value, "to": wanted.value, "reason": reason},
            )
            changes.commit()

    def close_contact(
        self,
        tenant_id: str,
        interaction_id: str,
        *,
        reason: str,
        detail: str = "",
        failed: bool = False,
    ) -> None:
        """Settle a contact the AI has whose customer left (a call that hung up).

        The AI's outcome, once: contained when the customer had been served (a skill completed,
        a question answered, a flow's service given), abandoned otherwise, with `reason` and
        `detail`. The contact then ends completed or abandoned, or failed when `failed` (the
        connection broke). A contact queued for or connected to a person is not the AI's to
        end: only a missing outcome is recorded.
        """
        with self._locks[hash(interaction_id) % _STRIPES]:
            with self.ctx.uow(tenant_id) as uow:
                interaction = uow.interactions.get(interaction_id)
                session = uow.ai_sessions.get(interaction_id)
            if interaction is None or interaction.is_final:
                return
            served = served_by_ai(session)
            if session is not None and not session.get("outcome"):
                turn = _Turn(session=dict(session))
                kind = "contained" if served else "abandoned"
                turn.outcome = Outcome(kind, reason, detail)
                turn.session["outcome"] = dataclasses.asdict(turn.outcome)
                self._save(interaction, turn)
            if failed:
                wanted = InteractionState.FAILED
            else:
                wanted = InteractionState.COMPLETED if served else InteractionState.ABANDONED
            self._complete(interaction, wanted, detail or reason)

    # --- contacts that went quiet ----------------------------------------------------------------

    def close_idle(self, tenant_id: str, idle_s: float) -> int:
        """Give every contact the AI still has, silent for `idle_s`, its outcome; return how many.

        Served before going quiet (a skill completed or a question answered): contained, and
        the chat is completed. Otherwise abandoned. A chat a person already has is only marked.
        """
        cutoff = self.ctx.clock.now() - idle_s
        with self.ctx.uow(tenant_id) as uow:
            idle = uow.ai_sessions.idle(cutoff)
        closed = 0
        for interaction_id, _ in idle:
            with self._locks[hash(interaction_id) % _STRIPES]:
                closed += self._close_one(tenant_id, interaction_id, cutoff)
        return closed

    def _close_one(self, tenant_id: str, interaction_id: str, cutoff: float) -> int:
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            session = uow.ai_sessions.get(interaction_id)
        if interaction is None or session is None or session.get("outcome"):
            return 0
        turn = _Turn(session=dict(session))
        served = served_by_ai(session)
        if interaction.state is not InteractionState.IN_FLOW:
            turn.outcome = Outcome("handed_off", "taken_by_a_person", "a person has the chat")
        elif served:
            turn.outcome = Outcome("contained", "went_quiet_after_being_served")
        else:
            turn.outcome = Outcome("abandoned", "went_quiet")
        turn.session["outcome"] = dataclasses.asdict(turn.outcome)
        self._save(interaction, turn)
        if interaction.state is InteractionState.IN_FLOW:
            wanted = InteractionState.COMPLETED if served else InteractionState.ABANDONED
            self._complete(interaction, wanted, "the customer went quiet")
        return 1


def served_by_ai(session: Mapping[str, Any] | None) -> bool:
    """Return True when the AI had served the customer (a skill, an answer, a flow's service)."""
    if not session:
        return False
    raw = session.get("dialogue")
    state = dlg.DialogueState.from_dict(raw) if raw else None
    answered = state is not None and bool(state.completed or state.answered)
    return answered or bool(session.get("flow_served"))


def flow_target(action: fs.Enqueue) -> str:
    """Name where an enqueue block sends the contact."""
    return action.workflow_id or action.queue_id or "?"


def _ask_text(ask: fs.Ask) -> str:
    if not ask.choices or ask.expect == "yes_no":
        return ask.prompt
    options = " / ".join(c.label for c in ask.choices)
    return f"{ask.prompt} ({options})"


def _contact(interaction: Interaction) -> dict[str, object]:
    attributes: dict[str, object] = {"channel": interaction.channel.value}
    if interaction.customer_id:
        attributes["customer_id"] = interaction.customer_id
    for key in ("chat_id", "phone", "email", "name"):
        value = interaction.attributes.get(key)
        if isinstance(value, str) and value:
            attributes[key] = value
    return attributes


def _scalars(values: Mapping[str, object], *, deep: bool = False) -> dict[str, object]:
    """Keep JSON-safe values (task attributes and dialogue attributes must serialise)."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[str(key)] = value
        elif deep and isinstance(value, Mapping):
            out[str(key)] = _scalars(value, deep=True)
        elif deep and isinstance(value, list | tuple):
            out[str(key)] = [
                v
                if isinstance(v, str | int | float | bool) or v is None
                else (_scalars(v, deep=True) if isinstance(v, Mapping) else str(v))
                for v in value
            ]
    return out


def _flow_dict(state: fs.FlowState) -> dict[str, Any]:
    raw = dataclasses.asdict(state)
    raw["waiting"] = state.waiting.value
    raw["outcome"] = state.outcome.value if state.outcome else None
    raw["attributes"] = _scalars(state.attributes, deep=True)
    raw["slots"] = _scalars(state.slots, deep=True)
    return raw


def _flow_state(ref: Mapping[str, Any]) -> fs.FlowState:
    raw = dict(ref["state"])
    raw["waiting"] = fs.Waiting(raw["waiting"])
    raw["outcome"] = fs.FlowOutcome(raw["outcome"]) if raw.get("outcome") else None
    return fs.FlowState(**raw)
