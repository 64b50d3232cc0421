"""sanctions (warnings, silences, suspensions) and the stats trust levels are earned from

``users`` gains ``silenced_until`` and ``suspended_until``, the sanctions in force,
read by policy and the session loader without a query; ``sanctions`` keeps every
warning, silence and suspension with its reason, end and who lifted it.
``member_visits`` holds one row per member and day active; ``member_stats`` their
reading time and trust-level bookkeeping (when they became a regular, whether an
admin set the level by hand).

Revision ID: c4e1a7d93b20
Revises: 8536f7617c2a
Create Date: 2026-12-01 12:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e1a7d93b20"
down_revision = "8536f7617c2a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("silenced_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("submission_token", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_sanctions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"],
            ["users.id"],
            name=op.f("fk_sanctions_lifted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sanctions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions")),
        sa.UniqueConstraint(
            "created_by_id",
            "submission_token",
            name=op.f("uq_sanctions_created_by_id_submission_token"),
        ),
    )
    op.create_index("ix_sanctions_user_id_id", "sanctions", ["user_id", "id"])
    op.create_table(
        "member_visits",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_visits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_member_visits")),
    )
    op.create_table(
        "member_stats",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reading_seconds", sa.Integer(), nullable=False),
        sa.Column("last_read_report_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("regular_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_level_set_by_hand", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_stats_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_stats")),
    )


def downgrade():
    op.drop_table("member_stats")
    op.drop_table("member_visits")
    op.drop_index("ix_sanctions_user_id_id", table_name="sanctions")
    op.drop_table("sanctions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("suspended_until")
        batch_op.drop_column("silenced_until")
