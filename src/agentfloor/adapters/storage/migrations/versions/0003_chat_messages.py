"""Chat: the chat_messages table, the transcript of chat interactions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:36:59.839974
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("interaction_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column("worker_id", sa.String(length=40), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_chat_messages_interaction_id_interactions"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_chat_messages_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "interaction_id", "client_id", name=op.f("uq_chat_messages_interaction_id_client_id")
        ),
        sa.UniqueConstraint(
            "interaction_id", "seq", name=op.f("uq_chat_messages_interaction_id_seq")
        ),
    )


def downgrade() -> None:
    op.drop_table("chat_messages")
