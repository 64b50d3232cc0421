"""community health dashboard: weekly summary subscriptions and indexes for its figures

Staff who ask for the weekly summary e-mail get a row; ``last_sent_week`` (the Monday
of the week last sent to them) keeps the weekly command from sending a week twice.
A covering index on posts (topic, time, author, deleted, number) lets the figures
count a period's posts without reading their rows; votes get an index on their time.

Revision ID: 8cd1b31f522f
Revises: b6628c77b18c
Create Date: 2026-12-01 08:50:32.447121

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8cd1b31f522f"
down_revision = "b6628c77b18c"
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
    op.create_index(
        "ix_posts_topic_created",
        "posts",
        ["topic_id", "created_at", "author_id", "deleted_at", "post_number"],
    )
    op.create_index("ix_answer_votes_created_at", "answer_votes", ["created_at"])
    op.create_index("ix_idea_votes_created_at", "idea_votes", ["created_at"])


def downgrade():
    op.drop_index("ix_idea_votes_created_at", table_name="idea_votes")
    op.drop_index("ix_answer_votes_created_at", table_name="answer_votes")
    op.drop_index("ix_posts_topic_created", table_name="posts")
    op.drop_table("summary_subscriptions")
