"""The member account and the anonymous viewer that stands in for visitors."""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.database import Base, StrEnumType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from community.groups.models import GroupMember, SpaceGroup
    from community.spaces.models import Membership

EMAIL_MAX_LENGTH = 254
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
DISPLAY_NAME_MAX_LENGTH = 60
PASSWORD_MIN_LENGTH = 12
# Refuses "aaaaaaaaaaaa" and "abababababab", which meet the length and nothing else.
PASSWORD_MIN_DISTINCT_CHARACTERS = 4
# Long passphrases are welcome; the cap only stops hashing megabytes per request.
PASSWORD_MAX_LENGTH = 256
# Sign-in history: what a row keeps, and for how long (the export's README says so).
USER_AGENT_MAX_LENGTH = 300
IP_ADDRESS_MAX_LENGTH = 45  # the longest textual IPv6 address (IPv4-mapped)
SIGN_IN_HISTORY_DAYS = 90
# zxcvbn's estimate below a million guesses (its scores 0 and 1: common passwords,
# keyboard walks, repeats, words with a year) is refused; NIST SP 800-63B asks for a
# check against commonly used passwords rather than composition rules.
PASSWORD_MIN_GUESSES_LOG10 = 6


# A silence or suspension "until further notice" ends at the end of time: every check
# is then the same comparison with now, and lifting it early works the same way.
INDEFINITELY = datetime(9999, 12, 31, tzinfo=UTC)


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class TrustLevel(enum.IntEnum):
    """Discourse's trust levels: earned by taking part (0-3), or granted (4)."""

    NEW = 0
    BASIC = 1
    MEMBER = 2
    REGULAR = 3
    LEADER = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    # Discourse's approach: keep the chosen spelling for display and enforce
    # uniqueness on a lower-cased copy, which works the same on SQLite and PostgreSQL.
    username_lower: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(StrEnumType(Role), default=Role.MEMBER)
    is_employee: Mapped[bool] = mapped_column(Boolean, default=False)
    # True once an admin decided the member's employee status by hand, either way; it
    # then stands whatever the address. Without it, status comes from a confirmed
    # address on an EMPLOYEE_EMAIL_DOMAINS domain and goes when the member moves off it.
    is_employee_set_by_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # A TrustLevel value; what each level unlocks is decided in policy.
    trust_level: Mapped[int] = mapped_column(Integer, default=TrustLevel.NEW)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped to end every session and remember-me cookie of this member at once;
    # it is part of the id Flask-Login stores, so an old cookie no longer loads.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sanctions in force (their history is in ``sanctions``): until then the member
    # reads but does not post (silenced) or cannot sign in at all (suspended). A past
    # time means the sanction has ended; nothing needs to clear it.
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )
    group_memberships: Mapped[list[GroupMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    # The closed spaces opened to a group this member belongs to: one query, through
    # group_members, read by ``member_space_ids``.
    group_space_grants: Mapped[list[SpaceGroup]] = relationship(
        secondary="group_members",
        primaryjoin="User.id == GroupMember.user_id",
        secondaryjoin="GroupMember.group_id == SpaceGroup.group_id",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    # Flask-Login's protocol.
    is_active = True
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session and the remember-me cookie, taken
        at sign-in: ``"<id>:<session_version>:<signed-in unix time>"``. The version
        ends sessions on demand; the time bounds how long any sign-in lasts."""
        return f"{self.id}:{self.session_version}:{int(time.time())}"

    # What policy asks of a viewer.
    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_moderator(self) -> bool:
        """True for global moderators and admins."""
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_silenced(self) -> bool:
        """Silenced now: reads, but may not post, reply, vote or invite."""
        return self.silenced_until is not None and self.silenced_until > utcnow()

    @property
    def is_suspended(self) -> bool:
        """Suspended now: may not sign in, and their sessions no longer load."""
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def member_space_ids(self) -> frozenset[int]:
        """Spaces this member belongs to: directly, or through a group a space grants.

        Each relationship loads once per request (one query) and reloads after a
        commit, so membership changes take effect on the next check.
        """
        direct = {m.space_id for m in self.memberships}
        return frozenset(direct | {grant.space_id for grant in self.group_space_grants})

    @property
    def group_ids(self) -> frozenset[int]:
        return frozenset(m.group_id for m in self.group_memberships)

    @property
    def owned_group_ids(self) -> frozenset[int]:
        return frozenset(m.group_id for m in self.group_memberships if m.is_owner)

    @property
    def moderated_space_ids(self) -> frozenset[int]:
        return frozenset(m.space_id for m in self.memberships if m.is_moderator)


class AnonymousViewer:
    """A visitor who has not signed in; answers policy's questions like a User."""

    id = None
    username = None
    display_name = "Guest"
    is_active = False
    is_anonymous = True
    is_authenticated = False
    is_admin = False
    is_moderator = False
    is_employee = False
    is_confirmed = False
    is_silenced = False
    is_suspended = False
    trust_level = TrustLevel.NEW
    member_space_ids: frozenset[int] = frozenset()
    moderated_space_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    owned_group_ids: frozenset[int] = frozenset()

    def get_id(self) -> None:
        return None


class StandInViewer(AnonymousViewer):
    """Nobody real: a signed-in member with no memberships, or an employee, as
    "view my profile as…" shows a profile to them. Policy answers it like any viewer;
    its ``id`` is None, so it is never the profile's owner."""

    is_anonymous = False
    is_authenticated = True
    is_confirmed = True

    def __init__(self, *, is_employee: bool) -> None:
        self.is_employee = is_employee
        self.display_name = "Staff member" if is_employee else "Member"


Viewer = User | AnonymousViewer


class SignIn(Base):
    """One successful sign-in: when, from which address, with which browser.

    The member sees it in their export; rows older than ``SIGN_IN_HISTORY_DAYS``
    are removed at their next sign-in, and all of them when the account is deleted.
    """

    __tablename__ = "sign_ins"
    __table_args__ = (Index("ix_sign_ins_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(IP_ADDRESS_MAX_LENGTH), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX_LENGTH), default="")
