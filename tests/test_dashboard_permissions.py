"""Every dashboard figure, for every persona, equals the same figure recomputed over
only the spaces that persona reads.

The world has a space of each kind with data of its own (other amounts, waits, people
and tags in each), so a figure that counted a space it should not would come out
different. The recomputation deletes the spaces the persona may not read (from the
literal READ table of ``test_policy``, not from ``community.policy``) and computes the
figures as an admin, who then reads exactly the rest. A positive control shows that
every figure does change with the closed space's data.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from community.accounts.models import AnonymousViewer, User
from community.answers import services as answer_services
from community.dashboard import attention, export, queries
from community.dashboard.periods import Period
from community.database import utcnow
from community.extensions import db
from community.ideas import services as idea_services
from community.ideas.models import Idea, IdeaStatus
from community.invites.models import Invite, InviteUse
from community.spaces import services as space_services
from community.spaces.models import (
    IdeaBoard,
    JoinRequest,
    JoinRequestStatus,
    Space,
)
from community.topics.models import TopicKind
from tests import factories
from tests.conftest import PERSONAS, SPACE_KINDS
from tests.test_policy import MODERATE, READ

# How much of everything each space has, and how long things take there: no two
# spaces alike, so no subset of them adds up the same.
AMOUNT = {"public": 1, "closed": 2, "employee": 4}
WAIT_HOURS = {"public": 2, "closed": 20, "employee": 9}
WAITING_DAYS = {"public": 3, "closed": 6, "employee": 4}
IDEA_DAYS = {"public": 6, "closed": 1, "employee": 6}
RESPONSE_DAYS = {"public": 1, "closed": 4, "employee": 2}
DECISION_HOURS = {"public": 5, "closed": 50, "employee": 20}
RULES = attention.AttentionRules(response_target=timedelta(hours=24), idea_votes=5)
# A staff member who is in the closed space, and so reads every kind.
CLOSED_STAFF = "closed_staff"
READS = {**READ, CLOSED_STAFF: (True, True, True)}
ALL_PERSONAS = (*PERSONAS, CLOSED_STAFF)


def _populate(world, kind: str) -> None:
    """Questions, discussions, ideas, votes, invites and join requests in one space."""
    space, amount, admin = world.spaces[kind], AMOUNT[kind], world.user("admin")
    now = utcnow()

    def ago(days: float) -> object:
        return now - timedelta(days=days)

    staff = factories.make_user(username=f"staff{kind}", is_employee=True)
    # Only employees post in an employee space.
    people = [
        factories.make_user(
            username=f"{kind}voice{number}",
            display_name=f"Voice {number} of {kind}",
            is_employee=kind == "employee",
        )
        for number in range(amount + 5)
    ]
    if kind == "closed":
        for user in (staff, *people):
            space_services.add_member(admin, space, user)
    space.idea_board = IdeaBoard.ALONGSIDE
    space.accepts_join_requests = True
    db.session.commit()
    factories.make_tags(f"tag{kind}")

    for number in range(amount):
        question = factories.make_topic(
            space, author=people[number], kind=TopicKind.QUESTION,
            title=f"{kind} question {number}", tags=f"tag{kind} shared",
        )  # fmt: skip
        factories.set_topic_time(question, ago(20 - 2 * number))
        asked = question.created_at
        staff_answer = factories.reply_at(
            question, asked + timedelta(hours=WAIT_HOURS[kind] + number), author=staff
        )
        member_answer = factories.reply_at(question, asked + timedelta(hours=1), author=people[-1])
        accepted = member_answer if number % 2 == 0 else staff_answer
        answer_services.accept_answer(staff, question, accepted)
        question.accepted_at = asked + timedelta(hours=WAIT_HOURS[kind] + 2)
        answer_services.set_answer_vote(people[-2], staff_answer, is_voted=True)
    waiting = factories.make_topic(
        space, author=people[0], kind=TopicKind.QUESTION, title=f"{kind} waiting question"
    )
    factories.set_topic_time(waiting, ago(WAITING_DAYS[kind]))

    for number in range(amount):
        discussion = factories.make_topic(
            space, author=people[number + 1], title=f"{kind} discussion {number}", tags=f"tag{kind}"
        )
        factories.set_topic_time(discussion, ago(15 - number))
        for other in range(amount):
            factories.reply_at(discussion, ago(13 - number - other / 2), author=people[other])

    shipped = factories.make_topic(
        space, author=people[0], kind=TopicKind.IDEA, title=f"{kind} shipped idea"
    )
    for status in (IdeaStatus.PLANNED, IdeaStatus.SHIPPED):
        idea_services.set_idea_status(staff, shipped, status=status)
    factories.set_topic_time(shipped, ago(25))
    row = db.session.get(Idea, shipped.id)
    row.first_response_at = row.created_at + timedelta(days=RESPONSE_DAYS[kind])
    row.shipped_at = row.created_at + timedelta(days=3 * RESPONSE_DAYS[kind])
    popular = factories.make_topic(
        space, author=people[1], kind=TopicKind.IDEA, title=f"{kind} popular idea"
    )
    for voter in people[2:]:
        idea_services.set_idea_vote(voter, popular, is_voted=True)
    factories.set_topic_time(popular, ago(10))
    for number in range(amount - 1):
        other = factories.make_topic(
            space, author=people[number], kind=TopicKind.IDEA, title=f"{kind} idea {number}"
        )
        idea_services.set_idea_status(staff, other, status=IdeaStatus.UNDER_REVIEW)
        factories.set_topic_time(other, ago(IDEA_DAYS[kind] + number))

    for number in range(amount):
        invite = Invite(
            token_hash=f"{kind}{number}".ljust(64, "0"), spaces=[space], created_by=staff,
            created_at=ago(9), expires_at=ago(-1),
        )  # fmt: skip
        joiner = factories.make_user(username=f"{kind}joiner{number}")
        db.session.add_all([invite, InviteUse(invite=invite, user=joiner, used_at=ago(8))])
        asked = ago(12)
        db.session.add(
            JoinRequest(
                space=space, user=factories.make_user(username=f"{kind}asker{number}"),
                created_at=asked,
                status=JoinRequestStatus.DECLINED if number == 1 else JoinRequestStatus.APPROVED,
                decided_at=asked + timedelta(hours=DECISION_HOURS[kind] + number),
            )
        )  # fmt: skip
    db.session.add(
        JoinRequest(
            space=space, user=factories.make_user(username=f"{kind}patient"), created_at=ago(4)
        )
    )
    db.session.commit()


@pytest.fixture
def rich_world(world):
    factories.make_tags("shared")
    for kind in SPACE_KINDS:
        _populate(world, kind)
    return world


def _viewer(world, persona):
    if persona == CLOSED_STAFF:
        return db.session.scalar(select(User).where(User.username_lower == "staffclosed"))
    return world.user(persona) or AnonymousViewer()


def _figures(viewer) -> tuple[dict, dict]:
    """Every figure row and every "needs attention" item the viewer gets.

    Built from the sections directly (``queries.dashboard`` admits staff only), so
    that members' views are checked too. Join requests are listed by who decides
    them, not by who reads: they have their own test below.
    """
    scope = queries.Scope(viewer=viewer, period=Period.default(utcnow().date()))
    board = queries.Dashboard(
        scope=scope,
        respond=queries.respond_section(scope),
        listen=queries.listen_section(scope),
        cocreate=queries.cocreate_section(scope),
        community=queries.community_section(scope),
    )
    groups = [
        attention.questions_waiting(scope, RULES),
        attention.ideas_without_response(scope, RULES),
    ]
    rows = {row[:4]: row[4] for row in export.figure_rows(board, groups)}
    items = {group.kind: [item.title for item in group.items] for group in groups}
    return rows, items


def _recomputed(database, world, persona) -> tuple[dict, dict]:
    """The figures an admin gets once the spaces the persona may not read are gone."""
    hidden = [
        world.spaces[kind].id
        for column, kind in enumerate(SPACE_KINDS)
        if not READS[persona][column]
    ]
    savepoint = database.begin_nested()
    try:
        db.session.execute(delete(Space).where(Space.id.in_(hidden)))
        db.session.expire_all()
        return _figures(world.user("admin"))
    finally:
        savepoint.rollback()
        db.session.expire_all()


def test_every_figure_equals_a_recomputation_over_what_each_persona_reads(
    database, rich_world, report_figure
):
    # One world for every persona: building it is most of the test's time.
    mismatches = {}
    for persona in ALL_PERSONAS:
        seen_rows, seen_items = _figures(_viewer(rich_world, persona))
        expected_rows, expected_items = _recomputed(database, rich_world, persona)
        differences = {
            key: (seen_rows.get(key), expected_rows.get(key))
            for key in seen_rows.keys() | expected_rows.keys()
            if seen_rows.get(key) != expected_rows.get(key)
        }
        if seen_items != expected_items:
            differences["needs attention items"] = (seen_items, expected_items)
        if differences:
            mismatches[persona] = differences
    report_figure(
        f"FIGURE dashboard-permissions db={database.dialect.name} personas={len(ALL_PERSONAS)} "
        f"figures={len(seen_rows)} mismatches={len(mismatches)}"
    )
    assert mismatches == {}


def test_every_figure_changes_with_the_closed_space_so_the_check_can_fail(database, rich_world):
    """The positive control: what an employee (outside the closed space) and an admin
    see differs in every figure, so a figure that leaked would be caught."""
    employee_rows, _ = _figures(_viewer(rich_world, "employee"))
    admin_rows, _ = _figures(_viewer(rich_world, "admin"))

    def figure(key):
        return key[:2]

    names = {figure(key) for key in admin_rows}
    differing = {figure(key) for key in admin_rows if admin_rows.get(key) != employee_rows.get(key)}
    assert names - differing == set()
    assert len(names) >= 35  # every section's figures were compared


def test_join_requests_waiting_are_listed_to_those_who_decide_them(rich_world):
    for persona in ALL_PERSONAS:
        viewer = _viewer(rich_world, persona)
        scope = queries.Scope(viewer=viewer, period=Period.default(utcnow().date()))
        group = attention.join_requests_waiting(scope, RULES)
        # Only the closed space takes decisions; its moderators and admins make them.
        reviews_closed = MODERATE.get(persona, (False, False, False))[1]
        expected = [rich_world.spaces["closed"].slug] if reviews_closed else []
        assert [item.values["slug"] for item in group.items] == expected, persona
