"""community health dashboard: weekly summary subscriptions

Staff who ask for the weekly summary e-mail get a row; ``last_sent_week`` (the Monday
of the week last sent to them) keeps the weekly command from sending a week twice.

Revision ID: 8cd1b31f522f
Revises: 90a842c69c87
Create Date: 2026-12-01 08:50:32.447121

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8cd1b31f522f"
down_revision = "90a842c69c87"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "summary_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_week", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_summary_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_summary_subscriptions")),
    )


def downgrade():
    op.drop_table("summary_subscriptions")
