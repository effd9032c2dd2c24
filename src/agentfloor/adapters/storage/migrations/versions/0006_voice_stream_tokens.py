"""Voice: one-use media stream tokens, kept in the database so any API node can redeem them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 14:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_stream_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_voice_stream_tokens_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_voice_stream_tokens")),
    )
    with op.batch_alter_table("voice_stream_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_stream_tokens_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("voice_stream_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_stream_tokens_expires_at"))

    op.drop_table("voice_stream_tokens")
