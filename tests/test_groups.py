"""Groups: admins make them, owners keep them, closed spaces open to them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community import policy
from community.errors import Forbidden, NotFound, ValidationFailed
from community.extensions import db
from community.groups import services as group_services
from community.groups.models import Group, GroupMember, GroupRequest, SpaceGroup
from community.moderation.models import AuditAction, AuditEntry
from community.notifications.models import Notification
from community.spaces.models import JoinRequestStatus, Visibility
from tests import factories
from tests.conftest import count_queries, csrf_token_from, page_with_csrf_token, sign_in
from tests.mail import sent_mail


def _post(client, path, data=None):
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def _partners() -> Group:
    return db.session.scalar(select(Group).where(Group.name == "Partners"))


def _members_of(group: Group) -> set[int]:
    return set(
        db.session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id))
    )


def _actions() -> list[AuditAction]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- making groups -------------------------------------------------------------------


def test_admin_creates_a_group_and_a_taken_name_is_refused_beside_the_field(client_as, world):
    admin = client_as("admin")

    created = _post(admin, "/admin/groups/new", {"name": "Customers", "description": "Buyers"})
    taken = _post(admin, "/admin/groups/new", {"name": "  CUSTOMERS ", "description": "Again"})

    assert created.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "Customers"))
    assert created.headers["Location"] == f"/admin/groups/{group.id}/edit"
    assert taken.status_code == 422
    assert "Another group already has that name." in taken.text
    assert 'value="  CUSTOMERS "' in taken.text
    assert db.session.scalar(select(func.count(Group.id))) == 2  # Partners and Customers
    assert _actions() == [AuditAction.GROUP_CREATE]


def test_only_admins_make_groups(world):
    with pytest.raises(NotFound):
        group_services.create_group(world.user("moderator"), name="Sneaky")
    assert db.session.scalar(select(func.count(Group.id))) == 1


def test_group_grants_a_closed_space_and_only_a_closed_one(client_as, world):
    admin = world.user("admin")
    group = factories.make_group(name="Customers", members=(world.user("member"),))
    member = client_as("member")
    assert member.get("/s/inner-circle/new").status_code == 404

    with pytest.raises(ValidationFailed, match="Only closed spaces"):
        group_services.grant_space(admin, group, world.spaces["employee"])
    path = f"/admin/groups/{group.id}/spaces"
    granted = _post(client_as("admin"), path, {"space": world.spaces["closed"].id})
    again = _post(client_as("admin"), path, {"space": world.spaces["closed"].id})

    assert granted.status_code == 302
    assert member.get("/s/inner-circle/new").status_code == 200
    assert member.get("/s/inner-circle").status_code == 200
    assert again.status_code == 422
    assert "Customers opens Inner Circle already." in again.text
    assert db.session.scalar(select(func.count(SpaceGroup.id))) == 2  # Partners' and this one


def test_group_member_reads_the_granted_space_in_lists_search_and_notifications(client_as, world):
    member = world.user("group_member")
    topic = factories.make_topic(
        world.spaces["closed"], author=member, title="Quarterly partner plans"
    )
    factories.make_reply(topic, author=world.user("closed_member"), body="Great, thank you.")
    client = client_as("group_member")

    assert "Quarterly partner plans" in client.get("/").text
    assert "Quarterly partner plans" in client.get("/search?q=quarterly").text
    assert "Quarterly partner plans" in client.get(f"/t/{topic.id}").text
    notified = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == member.id)
    )
    assert notified == 1  # told of the reply to their topic


def test_revoking_a_grant_closes_the_space_to_the_group_at_once(client_as, world):
    client = client_as("group_member")
    assert client.get("/s/inner-circle").status_code == 200

    response = _post(
        client_as("admin"),
        f"/admin/groups/{_partners().id}/spaces/{world.spaces['closed'].id}/remove",
    )

    assert response.status_code == 302
    assert client.get("/s/inner-circle/new").status_code == 404
    assert AuditAction.SPACE_GROUP_REVOKE in _actions()


def test_deleting_a_group_closes_its_spaces_but_leaves_direct_memberships(client_as, world):
    admin = world.user("admin")
    partners = _partners()
    factories.make_group(name="Extra", members=(world.user("closed_member"),))
    db.session.add(GroupMember(group_id=partners.id, user_id=world.user("closed_member").id))
    db.session.commit()

    partners_id = partners.id
    response = _post(client_as("admin"), f"/admin/groups/{partners_id}/delete")

    assert response.status_code == 302
    assert policy.can_read_space(world.user("group_member"), world.spaces["closed"]) is False
    assert policy.can_read_space(world.user("closed_member"), world.spaces["closed"]) is True
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.GROUP_DELETE)
    )
    assert (entry.actor_id, entry.target_id) == (admin.id, partners_id)


def test_group_edit_records_what_changed_without_copying_texts(client_as, world):
    partners = _partners()
    response = _post(
        client_as("admin"),
        f"/admin/groups/{partners.id}/edit",
        {"name": "Partners", "description": "Certified installers", "accepts_requests": "y"},
    )
    assert response.status_code == 302
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.GROUP_UPDATE)
    )
    assert entry.detail == "description:changed,accepts_requests:False->True"
    assert "Certified" not in entry.detail


# --- members and owners ------------------------------------------------------------------


def test_owner_adds_and_removes_members_but_not_other_owners(client_as, world):
    owner, other_owner = factories.make_user(username="owner"), factories.make_user(username="co")
    group = factories.make_group(name="Customers", owners=(owner, other_owner))
    client = client_as("anonymous")
    sign_in(client, owner)

    added = _post(client, f"/groups/{group.id}/members", {"username": "member"})
    unknown = _post(client, f"/groups/{group.id}/members", {"username": "nobody-here"})
    again = _post(client, f"/groups/{group.id}/members", {"username": "MEMBER"})
    removed = _post(client, f"/groups/{group.id}/members/{world.user('member').id}/remove")
    owner_removed = _post(client, f"/groups/{group.id}/members/{other_owner.id}/remove")

    assert added.status_code == 302
    assert unknown.status_code == 422
    assert "No member has that username." in unknown.text
    assert again.status_code == 422
    assert "member is in Customers already." in again.text
    assert removed.status_code == 302
    assert owner_removed.status_code == 403
    assert _members_of(group) == {owner.id, other_owner.id}
    assert _actions() == [AuditAction.GROUP_MEMBER_ADD, AuditAction.GROUP_MEMBER_REMOVE]


def test_group_member_who_is_not_an_owner_cannot_change_the_group(client_as, world):
    partners = _partners()
    client = client_as("group_member")

    assert client.get(f"/groups/{partners.id}").status_code == 200
    assert (
        _post(client, f"/groups/{partners.id}/members", {"username": "member"}).status_code == 403
    )
    with pytest.raises(Forbidden):
        group_services.add_group_member(world.user("group_member"), partners, world.user("member"))
    assert _members_of(partners) == {world.user("group_member").id}


def test_admin_makes_an_owner_who_may_then_manage_members(client_as, world):
    partners = _partners()
    member = world.user("group_member")

    response = _post(
        client_as("admin"), f"/admin/groups/{partners.id}/owners/{member.id}", {"value": "on"}
    )
    again = _post(
        client_as("admin"), f"/admin/groups/{partners.id}/owners/{member.id}", {"value": "on"}
    )

    assert response.status_code == again.status_code == 302
    assert policy.can_manage_group_members(member, partners) is True
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.GROUP_OWNER)
    )
    assert (entry.target_id, entry.detail) == (member.id, f"group={partners.id} False->True")
    with pytest.raises(ValidationFailed, match="is not in Partners"):
        group_services.set_group_owner(
            world.user("admin"), partners, world.user("member"), is_owner=True
        )


def test_hidden_group_answers_404_and_its_members_are_for_members_only(client_as, world):
    partners = _partners()
    open_group = factories.make_group(
        name="Open House", accepts_requests=True, members=(world.user("employee"),)
    )
    member = client_as("member")

    assert member.get(f"/groups/{partners.id}").status_code == 404
    assert "Partners" not in member.get("/groups").text
    open_page = member.get(f"/groups/{open_group.id}")
    assert open_page.status_code == 200
    assert "Display employee" not in open_page.text  # who is in it stays with its members
    assert "Display employee" in client_as("employee").get(f"/groups/{open_group.id}").text


def test_group_page_names_only_the_granted_spaces_the_viewer_may_know_of(client_as, world):
    unlisted = factories.make_space(
        visibility=Visibility.CLOSED, name="Secret Room", is_listed=False
    )
    open_group = factories.make_group(
        name="Open House", accepts_requests=True, spaces=(world.spaces["closed"], unlisted)
    )

    page = client_as("member").get(f"/groups/{open_group.id}").text

    assert "Inner Circle" in page  # listed: its name is known to signed-in members
    assert "Secret Room" not in page
    assert "Secret Room" in client_as("admin").get(f"/groups/{open_group.id}").text


# --- requests to join ------------------------------------------------------------------


def test_member_asks_to_join_and_an_owner_approves_once(app, client_as, world):
    owner = factories.make_user(username="owner")
    group = factories.make_group(name="Customers", owners=(owner,), accepts_requests=True)
    member = client_as("member")

    asked = _post(member, f"/groups/{group.id}/request", {"message": "I bought two hubs."})
    twice = _post(member, f"/groups/{group.id}/request", {"message": "Again"})
    [group_request] = db.session.scalars(select(GroupRequest))
    decided = [
        group_services.decide_group_request(owner, group_request, is_approved=True, note="Hi!")
        for _ in range(2)
    ]

    assert asked.status_code == 302
    assert twice.status_code == 422
    assert "You have already asked to join" in twice.text
    assert decided[0].status is JoinRequestStatus.APPROVED
    assert world.user("member").id in _members_of(group)
    assert _actions().count(AuditAction.GROUP_REQUEST_APPROVE) == 1
    [mail] = [m for m in sent_mail(app) if m.to == "member@example.com"]
    assert "Hi!" in mail.body
    assert f"http://localhost/groups/{group.id}" in mail.body


def test_declining_a_request_tells_the_member_and_adds_nobody(app, client_as, world):
    owner = factories.make_user(username="owner")
    group = factories.make_group(name="Customers", owners=(owner,), accepts_requests=True)
    group_services.request_group_membership(world.user("member"), group, message="")
    [group_request] = db.session.scalars(select(GroupRequest))
    owner_client = client_as("anonymous")
    sign_in(owner_client, owner)

    response = _post(owner_client, f"/group-requests/{group_request.id}/decline", {"note": "Sorry"})

    assert response.status_code == 302
    assert world.user("member").id not in _members_of(group)
    assert "declined" in sent_mail(app)[-1].body
    assert _actions() == [AuditAction.GROUP_REQUEST_DECLINE]


def test_requests_are_refused_where_the_group_takes_none_and_decided_by_owners_only(
    client_as, world
):
    partners = _partners()
    open_group = factories.make_group(name="Open House", accepts_requests=True)
    group_services.request_group_membership(world.user("member"), open_group, message="")
    [group_request] = db.session.scalars(select(GroupRequest))

    assert _post(client_as("group_member"), f"/groups/{partners.id}/request").status_code == 403
    assert _post(client_as("member"), f"/groups/{partners.id}/request").status_code == 404
    refused = _post(client_as("employee"), f"/group-requests/{group_request.id}/approve")
    assert refused.status_code == 403  # sees the open group, does not own it
    assert group_request.status is JoinRequestStatus.PENDING


# --- query budgets -----------------------------------------------------------------------


def _statements(database, client, url):
    with count_queries(database) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return list(statements)


def test_groups_page_query_count_is_the_same_for_5_and_50_groups(client_as, world, database):
    admin = client_as("admin")
    members = [factories.make_user() for _ in range(3)]

    def add_groups(count):
        for _ in range(count):
            factories.make_group(members=tuple(members), accepts_requests=True)

    add_groups(4)
    admin.get("/groups")
    few = _statements(database, admin, "/groups")
    add_groups(45)
    many = _statements(database, admin, "/groups")
    assert len(few) == len(many), "\n---\n".join(many)


def test_group_page_query_count_is_the_same_for_5_and_50_members(client_as, world, database):
    admin = client_as("admin")
    group = factories.make_group(name="Big", spaces=(world.spaces["closed"],))

    def add_members(count):
        for _ in range(count):
            user = factories.make_user()
            db.session.add(GroupMember(group_id=group.id, user_id=user.id))
        db.session.commit()

    add_members(5)
    admin.get(f"/groups/{group.id}")
    few = _statements(database, admin, f"/groups/{group.id}")
    add_members(45)
    many = _statements(database, admin, f"/groups/{group.id}")
    assert len(few) == len(many), "\n---\n".join(many)
    assert len(many) <= 12
