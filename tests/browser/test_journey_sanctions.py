"""A moderator suspends a member: their open session ends, sign-in tells them why and
until when; once it is over they are back; the audit log keeps every step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from community.accounts import services as account_services
from community.accounts.models import Role, User
from community.extensions import db
from community.spaces.models import Visibility
from tests import factories
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "a long and lovely passphrase"


def _context(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _sign_in(page, live_server: LiveServer, login: str, password: str = factories.PASSWORD):
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail or username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_journey_moderator_suspends_a_member_who_is_told_why_and_comes_back(browser, live_server):
    with live_server.app.app_context():
        account_services.create_admin(
            email="auditor@example.com", username="auditor", password=ADMIN_PASSWORD
        )
        factories.make_user(username="warden", role=Role.MODERATOR)
        troll = factories.make_user(username="trollish", display_name="Troll Ish")
        space = factories.make_space(visibility=Visibility.PUBLIC, name="Lobby", slug="lobby")
        # Moderators act on members they may know of: this one posted in public.
        factories.make_topic(space, author=troll, title="I am here to argue")

    member_context, member = _context(browser)
    _sign_in(member, live_server, "trollish")
    member.get_by_role("button", name="Sign out").wait_for()

    moderator_context, moderator = _context(browser)
    _sign_in(moderator, live_server, "warden")
    moderator.goto(f"{live_server.url}/mod/members/trollish")
    suspend = moderator.get_by_role("region", name="Suspend")
    suspend.get_by_label("Reason (shown to the member)").fill("Insulting other members")
    suspend.get_by_label("1 day").check()
    suspend.get_by_role("button", name="Suspend Troll Ish").click()
    moderator.get_by_text("Troll Ish is suspended until").wait_for()

    # The member's open session ends at their next request.
    member.reload()
    member.get_by_role("link", name="Sign in").wait_for()
    assert member.get_by_role("button", name="Sign out").count() == 0
    # Signing in is refused with the reason and the end date.
    _sign_in(member, live_server, "trollish")
    member.get_by_role("heading", name="Your account is suspended").wait_for()
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert member.get_by_text("Insulting other members").is_visible()
    assert member.get_by_text(f"until {tomorrow:%d %B %Y}").is_visible()

    # A day later (the row moved back), they sign in again.
    with live_server.app.app_context():
        row = db.session.scalar(select(User).where(User.username == "trollish"))
        row.suspended_until = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    _sign_in(member, live_server, "trollish")
    member.get_by_role("button", name="Sign out").wait_for()

    # Suspended again, until lifted; the moderator lifts it early.
    moderator.goto(f"{live_server.url}/mod/members/trollish")
    suspend = moderator.get_by_role("region", name="Suspend")
    suspend.get_by_label("Reason (shown to the member)").fill("Back at it")
    suspend.get_by_label("Until lifted").check()
    suspend.get_by_role("button", name="Suspend Troll Ish").click()
    moderator.get_by_role("button", name="Lift the suspension now").click()
    moderator.get_by_text("The suspension of Troll Ish is lifted.").wait_for()
    _sign_in(member, live_server, "trollish")
    member.get_by_role("button", name="Sign out").wait_for()

    admin_context, admin = _context(browser)
    _sign_in(admin, live_server, "auditor", ADMIN_PASSWORD)
    admin.goto(f"{live_server.url}/admin/audit")
    log = admin.get_by_role("table")
    assert log.get_by_text("member:suspend").count() == 2
    assert log.get_by_text("member:unsuspend").count() == 1
    for context in (member_context, moderator_context, admin_context):
        context.close()
