"""What one contact's KPIs need from the others: repeat contacts, lead follow-ups and sales.

These look across contacts (the same customer's next contact, the first answer after a lead was
qualified, a sale some days later), so they are worked out once over the whole log before the
contacts are grouped: a contact in Monday's row is resolved first time only if Tuesday brought no
repeat, whatever rows a report asks for.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

from agentfloor.analytics.facts import ContactFacts, Facts
from agentfloor.analytics.kpis import ContactContext
from agentfloor.analytics.model import KpiParams

__all__ = ["contact_context"]


def contact_context(facts: Facts, params: KpiParams) -> ContactContext:
    """Return first-contact resolution, lead follow-up and conversion of every contact."""
    contacts = {c.contact_id: c for c in facts.contacts}
    return ContactContext(
        fcr=_first_contact_resolution(facts.contacts, params.fcr_window_s),
        follow_up_s=_follow_ups(facts, contacts),
        converted=_conversions(facts.contacts, params),
    )


def _customer_key(contact: ContactFacts) -> str:
    """Return the customer, or the contact itself when we do not know who it was."""
    return f"c:{contact.customer_id}" if contact.customer_id else f"x:{contact.contact_id}"


def _first_contact_resolution(
    contacts: Sequence[ContactFacts], window_s: float
) -> dict[str, bool | None]:
    by_topic: dict[tuple[str, str], list[ContactFacts]] = defaultdict(list)
    for contact in contacts:
        if contact.customer_id and contact.reason:
            by_topic[(contact.customer_id, contact.reason)].append(contact)
    result: dict[str, bool | None] = {c.contact_id: None for c in contacts}
    for same in by_topic.values():
        same.sort(key=lambda c: c.started_at)
        starts = [c.started_at for c in same]
        for contact in same:
            if not contact.handled:
                continue  # an unserved contact resolves nothing; it can still be a repeat
            nxt = bisect_right(starts, contact.started_at)
            repeat = nxt < len(same) and starts[nxt] - contact.started_at <= window_s
            result[contact.contact_id] = not repeat
    return result


def _follow_ups(facts: Facts, contacts: dict[str, ContactFacts]) -> dict[str, float | None]:
    answers: dict[str, list[float]] = defaultdict(list)  # customer key -> answer times
    for task in facts.tasks:
        contact = contacts.get(task.contact_id)
        if task.answered_at is not None and contact is not None:
            answers[_customer_key(contact)].append(task.answered_at)
    result: dict[str, float | None] = {}
    for contact in facts.contacts:
        if contact.lead_at is None:
            continue
        later = [at for at in answers.get(_customer_key(contact), []) if at >= contact.lead_at]
        result[contact.contact_id] = min(later) - contact.lead_at if later else None
    return result


def _conversions(contacts: Sequence[ContactFacts], params: KpiParams) -> dict[str, bool]:
    sales: dict[str, list[float]] = defaultdict(list)  # customer key -> sale times
    for contact in contacts:
        for at, code in contact.dispositions:
            if code in params.sale_codes:
                sales[_customer_key(contact)].append(at)
    result: dict[str, bool] = {}
    for contact in contacts:
        lead_at = contact.lead_at
        if lead_at is None:
            continue
        result[contact.contact_id] = any(
            lead_at <= at <= lead_at + params.conversion_window_s
            for at in sales.get(_customer_key(contact), [])
        )
    return result
