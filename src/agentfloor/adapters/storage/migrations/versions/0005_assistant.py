"""AI assistant: intent models, assistant settings, dialogue sessions, appointments and orders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 08:23:45.464040
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BOOKED = "state = 'booked'"


def upgrade() -> None:
    op.create_table(
        "intent_models",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("trained_at", sa.Float(precision=53), nullable=False),
        sa.Column("intents", JSON, nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_intent_models_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_intent_models")),
    )
    op.create_table(
        "assistant_settings",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("doc", JSON, nullable=False),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_assistant_settings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_assistant_settings")),
    )
    op.create_table(
        "ai_sessions",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("interaction_id", sa.String(length=40), nullable=False),
        sa.Column("doc", JSON, nullable=False),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ai_sessions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "interaction_id", name=op.f("pk_ai_sessions")),
    )
    op.create_index(
        op.f("ix_ai_sessions_tenant_id_open_updated_at"),
        "ai_sessions",
        ["tenant_id", "open", "updated_at"],
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.Float(precision=53), nullable=False),
        sa.Column("ends_at", sa.Float(precision=53), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("interaction_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.Float(precision=53), nullable=False),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_appointments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index(
        op.f("ix_appointments_tenant_id_customer_id"),
        "appointments",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_appointments_tenant_id_state_starts_at"),
        "appointments",
        ["tenant_id", "state", "starts_at"],
        unique=False,
    )
    # Partial: only booked appointments hold their slot (both SQLite and PostgreSQL have these).
    op.create_index(
        "uq_appointments_booked_slot",
        "appointments",
        ["tenant_id", "resource", "starts_at"],
        unique=True,
        sqlite_where=sa.text(BOOKED),
        postgresql_where=sa.text(BOOKED),
    )
    op.create_table(
        "orders",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=200), nullable=False),
        sa.Column("delivery_date", sa.String(length=40), nullable=True),
        sa.Column("total", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_orders_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_orders")),
    )
    op.create_index(
        op.f("ix_orders_tenant_id_customer_id"),
        "orders",
        ["tenant_id", "customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_tenant_id_customer_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index("uq_appointments_booked_slot", table_name="appointments")
    op.drop_index(op.f("ix_appointments_tenant_id_state_starts_at"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_tenant_id_customer_id"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("ai_sessions")
    op.drop_table("assistant_settings")
    op.drop_table("intent_models")
