"""CRM: customers, identities in normal form, notes, merges and the customer timeline."""

from __future__ import annotations

from agentfloor.crm.identities import (
    IdentityKind,
    normalize_chat_id,
    normalize_email,
    normalize_identity,
    normalize_phone,
)
from agentfloor.crm.model import Customer, Identity, Merge, Note, TimelineEntry
from agentfloor.crm.ports import CustomerRepository, MergeRepository, NoteRepository

__all__ = [
    "Customer",
    "CustomerRepository",
    "Identity",
    "IdentityKind",
    "Merge",
    "MergeRepository",
    "Note",
    "NoteRepository",
    "TimelineEntry",
    "normalize_chat_id",
    "normalize_email",
    "normalize_identity",
    "normalize_phone",
]
