"""Routing: reservations, workflows, routing settings and event log; task routing fields.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 05:35:32.779365
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "routing_config",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column(
            "activities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("missed_activity", sa.String(length=64), nullable=True),
        sa.Column("reservation_timeout_s", sa.Float(precision=53), nullable=False),
        sa.Column("priority_step_s", sa.Float(precision=53), nullable=False),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_routing_config_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_routing_config")),
    )
    op.create_table(
        "routing_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("at", sa.Float(precision=53), nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=True),
        sa.Column("worker_id", sa.String(length=40), nullable=True),
        sa.Column("reservation_id", sa.String(length=40), nullable=True),
        sa.Column("queue_id", sa.String(length=40), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_routing_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_events")),
    )
    with op.batch_alter_table("routing_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_events_tenant_id_queue_id_at"),
            ["tenant_id", "queue_id", "at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_routing_events_tenant_id_task_id"),
            ["tenant_id", "task_id"],
            unique=False,
        )

    op.create_table(
        "workflows",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column(
            "filters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "default_target",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.Float(precision=53), nullable=False),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_workflows_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflows")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_workflows_tenant_id_name")),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("worker_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.Float(precision=53), nullable=False),
        sa.Column("expires_at", sa.Float(precision=53), nullable=False),
        sa.Column("updated_at", sa.Float(precision=53), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_reservations_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reservations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservations_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reservations_tenant_id_state"), ["tenant_id", "state"], unique=False
        )

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=40), nullable=True))

    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "strategy", sa.String(length=20), server_default="longest_idle", nullable=False
            )
        )
        batch_op.add_column(sa.Column("skill", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("wrapup_s", sa.Float(precision=53), server_default="0", nullable=False)
        )

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workflow_id", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("target_index", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("target_since", sa.Float(precision=53), nullable=True))
        batch_op.add_column(sa.Column("order_key", sa.Float(precision=53), nullable=True))
        batch_op.add_column(sa.Column("callback", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("ended_at", sa.Float(precision=53), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("callback")
        batch_op.drop_column("order_key")
        batch_op.drop_column("target_since")
        batch_op.drop_column("target_index")
        batch_op.drop_column("workflow_id")

    with op.batch_alter_table("queues", schema=None) as batch_op:
        batch_op.drop_column("wrapup_s")
        batch_op.drop_column("skill")
        batch_op.drop_column("strategy")

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("worker_id")

    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservations_tenant_id_state"))
        batch_op.drop_index(batch_op.f("ix_reservations_task_id"))

    op.drop_table("reservations")
    op.drop_table("workflows")
    with op.batch_alter_table("routing_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_events_tenant_id_task_id"))
        batch_op.drop_index(batch_op.f("ix_routing_events_tenant_id_queue_id_at"))

    op.drop_table("routing_events")
    op.drop_table("routing_config")
