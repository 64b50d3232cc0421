"""Ideas keep the count of their last 14 days' votes, for the trending sort.

Counting every idea's recent votes per request does not scale (a board of 23,000
ideas at 2,000,000 posts served 2.4 requests a second); the stored count is read in
order from an index, like the top sort's vote_count. New votes add to it at once;
``send-mail --forever`` (or ``hearth refresh-trending``) recounts it so old votes leave.

Revision ID: 2a99a31425ae
Revises: c4e1a7d93b20
Create Date: 2026-12-01 13:37:39.078801
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "2a99a31425ae"
down_revision = "c4e1a7d93b20"
branch_labels = None
depends_on = None

TRENDING_DAYS = 14


def upgrade():
    with op.batch_alter_table("ideas") as batch_op:
        batch_op.add_column(
            sa.Column("recent_vote_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_ideas_space_trending", ["space_id", "recent_vote_count", "vote_count", "topic_id"]
        )
    # The ideas there are start with their true count.
    # (Typed, so that SQLite gets the text form UTCDateTime stores.)
    since = sa.bindparam(
        "since", datetime.now(UTC) - timedelta(days=TRENDING_DAYS), type_=sa.DateTime(True)
    )
    op.execute(
        sa.text(
            "UPDATE ideas SET recent_vote_count = (SELECT count(*) FROM idea_votes "
            "WHERE idea_votes.topic_id = ideas.topic_id AND idea_votes.created_at >= :since)"
        ).bindparams(since)
    )
    # Statistics for the new index and column: without them SQLite prefers the new
    # index for the top sort too (and sorts the board in a temporary tree), and
    # PostgreSQL guesses; both read only the ideas table, so this is quick.
    op.execute("ANALYZE ideas")


def downgrade():
    with op.batch_alter_table("ideas") as batch_op:
        batch_op.drop_index("ix_ideas_space_trending")
        batch_op.drop_column("recent_vote_count")
