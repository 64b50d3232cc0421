"""review queue: post flags, review states, approving new members' posts and sign-ups

Posts and topics get a ``review_state`` (published, pending, hidden, rejected; every
existing row is published) and posts the reason a moderator rejected them for. A
space may hold its trust-level-0 members' posts for approval. ``post_flags`` holds
one flag per member per post, open until a moderator decides. ``signup_approvals``
holds the sign-ups made while the site requires approval, and their decision.

Columns are added with ALTER TABLE on SQLite too (batch mode's "auto" never rebuilds
``posts`` for an added column), so the search triggers on ``posts`` stay in place.

Revision ID: 8536f7617c2a
Revises: 8cd1b31f522f
Create Date: 2026-12-01 12:17:37.642610

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8536f7617c2a"
down_revision = "8cd1b31f522f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "post_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("flagger_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flagger_id"],
            ["users.id"],
            name=op.f("fk_post_flags_flagger_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_flags_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_post_flags_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_flags")),
        sa.UniqueConstraint("post_id", "flagger_id", name=op.f("uq_post_flags_post_id_flagger_id")),
    )
    op.create_index(op.f("ix_post_flags_flagger_id"), "post_flags", ["flagger_id"])
    op.create_index("ix_post_flags_open", "post_flags", ["resolved_at", "post_id"])

    op.create_table(
        "signup_approvals",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_signup_approvals_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_signup_approvals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_signup_approvals")),
    )
    op.create_index("ix_signup_approvals_status", "signup_approvals", ["status", "created_at"])

    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_state", sa.String(length=20), server_default="published", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("review_reason", sa.Text(), server_default="", nullable=False)
        )
    with op.batch_alter_table("spaces") as batch_op:
        batch_op.add_column(
            sa.Column(
                "approves_new_member_posts", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("topics") as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_state", sa.String(length=20), server_default="published", nullable=False
            )
        )
    if op.get_bind().dialect.name == "postgresql":
        # Every list filters on review_state now. PostgreSQL has no statistics for a new
        # column, and adding one changes no row, so autovacuum would not gather them: it
        # then guesses the filter keeps almost nothing and picks plans that scan (a search
        # at 2,000,000 posts ran past 30 s). ANALYZE samples, so this takes seconds.
        for table in ("posts", "topics", "spaces"):
            op.execute(f"ANALYZE {table}")


def _drop_columns(table, *columns):
    """Drop columns in place: on SQLite a batch rebuild of ``topics`` or ``posts``
    would drop the table the search triggers name (SQLite 3.35+ drops in place)."""
    if op.get_bind().dialect.name == "sqlite":
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        return
    for column in columns:
        op.drop_column(table, column)


def downgrade():
    _drop_columns("topics", "review_state")
    _drop_columns("spaces", "approves_new_member_posts")
    _drop_columns("posts", "review_reason", "review_state")
    op.drop_index("ix_signup_approvals_status", table_name="signup_approvals")
    op.drop_table("signup_approvals")
    op.drop_index("ix_post_flags_open", table_name="post_flags")
    op.drop_index(op.f("ix_post_flags_flagger_id"), table_name="post_flags")
    op.drop_table("post_flags")
