"""employee grants

Members remember whether an admin decided their employee status. Until now employee
status was only ever granted, so a member who moved off an employee domain kept it;
from here on, status an admin did not decide follows the address. Employees whose
address is not on an employee domain today can only have been made so by an admin,
so they are marked as decided; those on an employee domain keep it through the domain.

Revision ID: 90a842c69c87
Revises: 1ad6cc51267e
Create Date: 2026-12-01 09:14:05.551237

"""

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = "90a842c69c87"
down_revision = "1ad6cc51267e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_employee_set_by_admin", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    users = sa.table(
        "users",
        sa.column("email", sa.String),
        sa.column("is_employee", sa.Boolean),
        sa.column("is_employee_set_by_admin", sa.Boolean),
    )
    domains = current_app.config.get("EMPLOYEE_EMAIL_DOMAINS", ())
    decided = users.c.is_employee.is_(True)
    for domain in domains:
        decided = sa.and_(decided, ~users.c.email.like(f"%@{domain}"))
    op.execute(users.update().where(decided).values(is_employee_set_by_admin=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_employee_set_by_admin")
