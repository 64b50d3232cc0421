"""groups, invites that grant more, onboarding

Groups of members that closed spaces open to (with owners and requests to join);
invites that grant several spaces, a group or employee status, or just an account,
sent as links or by e-mail; a space setting for member invites; onboarding settings
(guidelines, welcome space) and each member's onboarding moments.

Existing invites keep their one space (moved to invite_spaces). Members who are here
already count as having signed in, so the welcome page greets only newcomers.

Revision ID: b3aa3531d014
Revises: 90a842c69c87
Create Date: 2026-12-01 08:52:31.620830

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3aa3531d014"
down_revision = "90a842c69c87"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_lower", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("accepts_requests", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("name_lower", name=op.f("uq_groups_name_lower")),
    )
    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_owner", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_members_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_group_members_group_id_user_id")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "group_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_group_requests_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_requests_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_requests")),
    )
    with op.batch_alter_table("group_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_group_requests_group_status", ["group_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_group_requests_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_group_requests_pending",
            ["group_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "member_onboarding",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("guidelines_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("welcomed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_onboarding_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["welcomed_by_id"],
            ["users.id"],
            name=op.f("fk_member_onboarding_welcomed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_onboarding")),
    )
    op.create_table(
        "onboarding_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("welcome_space_id", sa.Integer(), nullable=True),
        sa.Column("guidelines_source", sa.Text(), nullable=False),
        sa.Column("guidelines_html", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_onboarding_settings_single_row")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_onboarding_settings_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["welcome_space_id"],
            ["spaces.id"],
            name=op.f("fk_onboarding_settings_welcome_space_id_spaces"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_settings")),
    )
    op.create_table(
        "space_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_space_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_space_groups_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_groups")),
        sa.UniqueConstraint("space_id", "group_id", name=op.f("uq_space_groups_space_id_group_id")),
    )
    with op.batch_alter_table("space_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_space_groups_group_id"), ["group_id"], unique=False)

    op.create_table(
        "invite_spaces",
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invite_id"],
            ["invites.id"],
            name=op.f("fk_invite_spaces_invite_id_invites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_invite_spaces_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invite_id", "space_id", name=op.f("pk_invite_spaces")),
    )
    with op.batch_alter_table("invite_spaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_spaces_space_id"), ["space_id"], unique=False)

    op.execute("INSERT INTO invite_spaces (invite_id, space_id) SELECT id, space_id FROM invites")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("grants_employee", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("email", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("submission_token", sa.String(length=64), nullable=True))
        batch_op.drop_index(batch_op.f("ix_invites_space_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_invites_created_by_id_submission_token_email"),
            ["created_by_id", "submission_token", "email"],
        )
        batch_op.drop_constraint(batch_op.f("fk_invites_space_id_spaces"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_invites_group_id_groups"),
            "groups",
            ["group_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_column("space_id")

    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allows_member_invites", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    op.execute(
        "INSERT INTO member_onboarding (user_id, first_signed_in_at, created_at) "
        "SELECT id, created_at, created_at FROM users"
    )


def downgrade():
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_column("allows_member_invites")

    # Each invite goes back to one space; an invite to the community alone had no
    # place before, and goes.
    op.execute("DELETE FROM invites WHERE id NOT IN (SELECT invite_id FROM invite_spaces)")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("space_id", sa.INTEGER(), nullable=True))
    op.execute(
        "UPDATE invites SET space_id = "
        "(SELECT MIN(space_id) FROM invite_spaces WHERE invite_spaces.invite_id = invites.id)"
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.alter_column("space_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_constraint(batch_op.f("fk_invites_group_id_groups"), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f("fk_invites_space_id_spaces"),
            "spaces",
            ["space_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(
            batch_op.f("uq_invites_created_by_id_submission_token_email"), type_="unique"
        )
        batch_op.create_index(batch_op.f("ix_invites_space_id"), ["space_id"], unique=False)
        batch_op.drop_column("submission_token")
        batch_op.drop_column("email")
        batch_op.drop_column("grants_employee")
        batch_op.drop_column("group_id")

    with op.batch_alter_table("invite_spaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_spaces_space_id"))

    op.drop_table("invite_spaces")
    with op.batch_alter_table("space_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_space_groups_group_id"))

    op.drop_table("space_groups")
    op.drop_table("onboarding_settings")
    op.drop_table("member_onboarding")
    with op.batch_alter_table("group_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_group_requests_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_group_requests_user_id"))
        batch_op.drop_index("ix_group_requests_group_status")

    op.drop_table("group_requests")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))

    op.drop_table("group_members")
    op.drop_table("groups")
