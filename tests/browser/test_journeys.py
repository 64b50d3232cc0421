"""End-to-end journeys in Chromium, driven through labels and buttons as a person would."""

from __future__ import annotations

import itertools
import json
import zipfile

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from community import demo
from community.accounts import services as account_services
from community.extensions import db
from community.spaces.models import Space, Visibility
from tests import factories
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a long and lovely passphrase"
_numbers = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_numbers)}"


def _make_admin(live_server: LiveServer) -> str:
    username = _unique("boss")
    with live_server.app.app_context():
        account_services.create_admin(
            email=f"{username}@example.com", username=username, password=PASSWORD
        )
    return username


def _make_public_space(live_server: LiveServer, name: str) -> str:
    slug = name.lower().replace(" ", "-")
    with live_server.app.app_context():
        db.session.add(Space(slug=slug, name=name, visibility=Visibility.PUBLIC))
        db.session.commit()
    return slug


def _sign_up(page, live_server: LiveServer, username: str) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("E-mail").fill(f"{username}@example.org")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(f"{username.title()} Tester")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()


def _signed_in(browser, live_server: LiveServer, username: str):
    """A new browser context with ``username`` signed in; returns it and its page."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, live_server, username)
    return context, page


def _sign_in(
    page, live_server: LiveServer, login: str, *, remember: bool = False, password: str = PASSWORD
) -> None:
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail or username").fill(login)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def test_journey_newcomer_signs_up_confirms_and_starts_a_conversation(page, live_server):
    space_slug = _make_public_space(live_server, _unique("Help Desk "))
    username = _unique("newcomer")

    _sign_up(page, live_server, username)
    page.goto(live_server.link_in_last_mail_to(f"{username}@example.org"))
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_text("Your e-mail address is confirmed").wait_for()

    page.goto(f"{live_server.url}/s/{space_slug}")
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill("My hub blinks amber after the update")
    page.get_by_label("Message").fill("It started **last night**. Any idea?")
    page.get_by_role("button", name="Post topic").click()
    page.get_by_role("heading", name="My hub blinks amber after the update").wait_for()
    assert page.locator(".post-body strong").first.inner_text() == "last night"

    # The editor's preview comes from the same renderer as saving.
    page.get_by_label("Your reply").fill("Fixed it with a _restart_.")
    page.get_by_role("button", name="Preview").click()
    assert page.locator(".editor-preview em").inner_text() == "restart"
    page.get_by_role("button", name="Write").click()
    page.get_by_role("button", name="Post reply").click()
    page.locator("#post-2").get_by_text("Fixed it with a").wait_for()

    page.locator("#post-2").get_by_role("link", name="Edit").click()
    page.get_by_label("Message").fill("Fixed it with a restart of the hub.")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#post-2").get_by_role("link", name="edited").click()
    page.get_by_role("heading", name="History").wait_for()
    assert "Fixed it with a _restart_." in page.content()


def test_journey_bad_input_keeps_the_text_and_says_why(page, live_server):
    space_slug = _make_public_space(live_server, _unique("Feedback "))
    admin = _make_admin(live_server)
    _sign_in(page, live_server, admin)

    page.goto(f"{live_server.url}/s/{space_slug}/new")
    page.get_by_label("Title").fill("Hey")
    page.get_by_label("Message").fill("A body I do not want to type again.")
    page.get_by_role("button", name="Post topic").click()

    assert page.get_by_text("A title needs at least 5 characters.").is_visible()
    assert page.get_by_label("Message").input_value() == "A body I do not want to type again."
    assert page.get_by_label("Title").input_value() == "Hey"


def test_journey_admin_opens_a_closed_space_to_one_member(page, browser, live_server):
    admin = _make_admin(live_server)
    member = _unique("partner")
    outsider = _unique("outsider")
    with live_server.app.app_context():
        for username in (member, outsider):
            factories.make_user(username=username, password=PASSWORD)

    _sign_in(page, live_server, admin)
    page.get_by_role("link", name="Spaces").click()
    page.get_by_role("link", name="New space").click()
    name = _unique("Partner Lab ")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Address (slug)").fill(name.lower().replace(" ", "-"))
    page.get_by_label("Who can read it").select_option("closed")
    page.get_by_role("button", name="Create space").click()
    page.get_by_role("heading", name=name).wait_for()
    page.get_by_role("link", name="Edit space").click()
    page.get_by_label("Username").fill(member)
    page.get_by_role("button", name="Add").click()
    page.get_by_text(f"{member} is now a member of {name}").wait_for()
    space_url = f"{live_server.url}/s/{name.lower().replace(' ', '-')}"

    member_context = browser.new_context()
    member_page = member_context.new_page()
    _sign_in(member_page, live_server, member)
    member_page.goto(space_url)
    assert member_page.get_by_role("link", name="New topic").is_visible()
    member_context.close()

    outsider_context = browser.new_context()
    outsider_page = outsider_context.new_page()
    _sign_in(outsider_page, live_server, outsider)
    outsider_page.goto(space_url)
    # Signed-in outsiders learn the listed space exists and how to join, nothing more.
    assert outsider_page.get_by_role("heading", name="This is a closed space").is_visible()
    assert not outsider_page.get_by_role("link", name="New topic").is_visible()
    outsider_context.close()


def test_journey_sign_out_ends_the_remembered_session(page, live_server):
    admin = _make_admin(live_server)
    _sign_in(page, live_server, admin, remember=True)
    cookies = page.context.cookies()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()

    # Put the old cookies back, as a thief who copied them would.
    page.context.clear_cookies()
    page.context.add_cookies(cookies)
    page.goto(live_server.url + "/account")
    page.get_by_role("heading", name="Sign in").wait_for()


def test_journey_question_answered_from_the_respond_queue_and_accepted(browser, live_server):
    space_slug = _make_public_space(live_server, _unique("Support "))
    asker, employee, voter = _unique("asker"), _unique("staffer"), _unique("voter")
    with live_server.app.app_context():
        factories.make_user(username=asker, password=PASSWORD)
        factories.make_user(username=employee, password=PASSWORD, is_employee=True)
        factories.make_user(username=voter, password=PASSWORD)

    asker_context, page = _signed_in(browser, live_server, asker)
    page.goto(f"{live_server.url}/s/{space_slug}/new")
    page.get_by_label("Type").select_option("question")
    page.get_by_label("Title").fill("Hub does not see my new bulb")
    page.get_by_label("Message").fill("I tried pairing twice.")
    page.get_by_role("button", name="Post topic").click()
    question_url = page.url

    staff_context, staff = _signed_in(browser, live_server, employee)
    staff.get_by_role("link", name="Respond").click()
    staff.get_by_role("link", name="Hub does not see my new bulb").wait_for()
    staff.locator(".respond-item", has_text="Hub does not see my new bulb").get_by_role(
        "link", name="Answer"
    ).click()
    staff.get_by_label("Your reply").fill("Hold the pairing button for **ten** seconds.")
    staff.get_by_role("button", name="Post reply").click()
    staff.get_by_text("Hold the pairing button for").wait_for()
    staff.goto(f"{live_server.url}/respond")
    assert staff.get_by_text("Hub does not see my new bulb").count() == 0
    staff_context.close()

    voter_context, other = _signed_in(browser, live_server, voter)
    other.goto(question_url)
    other.get_by_role("button", name="Helpful").click()
    other.get_by_role("button", name="Remove vote").wait_for()  # updated in place
    assert other.locator(".vote-count strong").first.inner_text() == "1"
    voter_context.close()

    page.reload()
    page.get_by_role("button", name="Accept this answer").click()
    page.get_by_text("accepted answer", exact=True).wait_for()
    assert page.locator(".badge-solved").first.is_visible()
    asker_context.close()


def test_journey_member_asks_to_join_a_closed_space_and_a_moderator_lets_them_in(
    browser, live_server
):
    member, moderator = _unique("hopeful"), _unique("gatekeeper")
    slug = _unique("partner-circle-")
    with live_server.app.app_context():
        factories.make_user(username=member, password=PASSWORD)
        keeper = factories.make_user(username=moderator, password=PASSWORD)
        space = factories.make_space(
            visibility=Visibility.CLOSED, slug=slug, name="Partner Circle", moderators=(keeper,)
        )
        space.accepts_join_requests = True
        db.session.commit()

    member_context, page = _signed_in(browser, live_server, member)
    page.goto(f"{live_server.url}/s/{slug}")
    page.get_by_label("Why would you like to join?").fill("I install Lumen hubs in Leeds.")
    page.get_by_role("button", name="Ask to join").click()
    page.get_by_text("You asked to join").wait_for()

    moderator_context, keeper_page = _signed_in(browser, live_server, moderator)
    keeper_page.goto(f"{live_server.url}/s/{slug}")
    keeper_page.get_by_role("link", name="Join requests").click()
    keeper_page.get_by_text("I install Lumen hubs in Leeds.").wait_for()
    keeper_page.get_by_label("Note to the member (optional)").fill("Welcome!")
    keeper_page.get_by_role("button", name="Approve").click()
    keeper_page.get_by_text("No one is waiting to join.").wait_for()
    moderator_context.close()

    page.goto(f"{live_server.url}/s/{slug}")
    assert page.get_by_role("link", name="New topic").is_visible()
    assert "Welcome!" in live_server.mails_to(f"{member}@example.com")[-1].body
    member_context.close()


def test_journey_moderator_invites_a_new_person_who_signs_up_and_lands_inside(browser, live_server):
    moderator, newcomer = _unique("inviter"), _unique("invitee")
    slug = _unique("customer-lab-")
    with live_server.app.app_context():
        keeper = factories.make_user(username=moderator, password=PASSWORD)
        factories.make_space(
            visibility=Visibility.CLOSED, slug=slug, name="Customer Lab", moderators=(keeper,)
        )

    moderator_context = browser.new_context()
    keeper_page = moderator_context.new_page()
    _sign_in(keeper_page, live_server, moderator)
    keeper_page.goto(f"{live_server.url}/s/{slug}")
    keeper_page.get_by_role("link", name="Invite", exact=True).click()
    keeper_page.get_by_label("How many people may use it").fill("1")
    keeper_page.get_by_role("button", name="Create invite link").click()
    link = keeper_page.get_by_label("Invite link").input_value()

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(link.replace("http://localhost", live_server.url))
    page.get_by_role("heading", name="You are invited to Customer Lab").wait_for()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail").fill(f"{newcomer}@example.org")
    page.get_by_label("Username").fill(newcomer)
    page.get_by_label("Display name").fill("New Partner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto(live_server.link_in_last_mail_to(f"{newcomer}@example.org"))
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_role("button", name="Join Customer Lab").click()
    page.get_by_text("Welcome to Customer Lab!").wait_for()
    assert page.get_by_role("link", name="New topic").is_visible()
    context.close()

    keeper_page.goto(f"{live_server.url}/s/{slug}/invites")
    assert keeper_page.get_by_text("New Partner").is_visible()  # who joined through it
    moderator_context.close()


def test_journey_member_hides_a_field_checks_view_as_exports_and_leaves(page, live_server):
    space_slug = _make_public_space(live_server, _unique("Lobby "))
    username = _unique("leaver")
    with live_server.app.app_context():
        member = factories.make_user(username=username, password=PASSWORD)
        space = db.session.scalar(select(Space).where(Space.slug == space_slug))
        factories.make_topic(space, author=member, title="Hello from someone leaving soon")
    _sign_in(page, live_server, username)

    # A field only staff may see.
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_label("Company", exact=True).fill("Secret Skunkworks")
    page.get_by_label("Who sees Company").select_option("staff")
    page.get_by_label("About me", exact=True).fill("I light **things** up.")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    assert page.get_by_text("Secret Skunkworks").is_visible()
    assert page.locator(".profile-bio strong").inner_text() == "things"

    # "View my profile as": a visitor does not see it, staff do.
    page.get_by_role("link", name="a visitor").click()
    page.get_by_text("This is your profile as a visitor sees it").wait_for()
    assert page.get_by_text("Secret Skunkworks").count() == 0
    assert page.get_by_text("Hello from someone leaving soon").is_visible()
    page.get_by_role("link", name="staff", exact=True).click()
    page.get_by_text("This is your profile as staff sees it").wait_for()
    assert page.get_by_text("Secret Skunkworks").is_visible()

    # The export, after confirming the password.
    page.get_by_role("link", name="Edit profile").click()
    page.get_by_role("link", name="Download all your data").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Prepare my archive").click()
    page.get_by_text("Your archive is ready").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download hearth-export").click()
    path = download_info.value.path()
    with zipfile.ZipFile(path) as archive:
        account = json.loads(archive.read("account.json"))[0]
        profile = {row["field"]: row for row in json.loads(archive.read("profile.json"))}
        assert "README.txt" in archive.namelist()
    assert account["username"] == username
    assert profile["company"]["visibility"] == "staff"

    # Leaving: the password again, and the account is gone.
    page.goto(live_server.url + "/account")
    page.get_by_role("link", name="Delete your account").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Your account is deleted").wait_for()
    assert page.get_by_role("link", name="Sign in").is_visible()
    page.goto(f"{live_server.url}/u/{username}")
    page.get_by_role("heading", name="Page not found").wait_for()
    page.goto(f"{live_server.url}/s/{space_slug}")
    assert page.get_by_text("former member").first.is_visible()


def test_journey_admin_opens_a_space_to_a_group_and_invites_a_partner_by_email(
    browser, live_server
):
    admin = _make_admin(live_server)
    newcomer = _unique("partner")
    address = f"{newcomer}@example.org"
    slug = _unique("partner-network-")
    group_name = _unique("Partners ")
    with live_server.app.app_context():
        factories.make_space(visibility=Visibility.CLOSED, slug=slug, name="Partner Network")

    admin_context = browser.new_context()
    admin_page = admin_context.new_page()
    admin_page.set_default_timeout(10_000)
    _sign_in(admin_page, live_server, admin)
    admin_page.get_by_role("link", name="Groups").click()
    admin_page.get_by_role("link", name="New group").click()
    admin_page.get_by_label("Name", exact=True).fill(group_name)
    admin_page.get_by_label("Description").fill("Certified installers")
    admin_page.get_by_role("button", name="Create group").click()
    admin_page.get_by_text(f"Group “{group_name}” created.").wait_for()
    admin_page.get_by_label("Closed space", exact=True).select_option(label="Partner Network")
    admin_page.get_by_role("button", name="Open to the group").click()
    admin_page.get_by_text(
        f"Members of {group_name} now read and post in Partner Network."
    ).wait_for()

    admin_page.get_by_role("link", name="Invites", exact=True).click()
    admin_page.get_by_label("Group").select_option(label=group_name)
    admin_page.get_by_label("Or send it by e-mail to").fill(address)
    admin_page.get_by_role("button", name="Create invite").click()
    admin_page.get_by_text("Sent 1 invitation by e-mail.").wait_for()
    admin_context.close()

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.link_in_last_mail_to(address))
    page.get_by_role("heading", name=f"You are invited to the group {group_name}").wait_for()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail").fill(address)
    page.get_by_label("Username").fill(newcomer)
    page.get_by_label("Display name").fill("Pat Partner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto(live_server.link_in_last_mail_to(address))
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_role("button", name=f"Join the group {group_name}").click()

    # Inside the space the group opens.
    page.get_by_role("heading", name="Partner Network").wait_for()
    assert page.get_by_role("link", name="New topic").is_visible()
    page.get_by_role("link", name="Getting started").click()
    page.get_by_role("heading", name="Welcome, Pat Partner").wait_for()
    done = page.locator(".checklist-item.is-done")
    assert done.filter(has_text="Confirm your e-mail address").count() == 1
    assert done.filter(has_text="Complete your profile").count() == 1
    assert done.filter(has_text="Join a space you were invited to").count() == 1
    context.close()


def test_journey_member_is_mentioned_in_a_reply_and_opens_the_notification(browser, live_server):
    space_slug = _make_public_space(live_server, _unique("Lounge "))
    writer, reader = _unique("writer"), _unique("reader")
    with live_server.app.app_context():
        factories.make_user(username=writer, password=PASSWORD)
        reader_user = factories.make_user(
            username=reader, display_name="Rea Der", password=PASSWORD
        )
        space = db.session.scalar(sa.select(Space).where(Space.slug == space_slug))
        # The reader has posted here, so the writer has seen them: autocomplete offers them.
        topic = factories.make_topic(space, author=reader_user, title="Which bulbs work best?")
        topic_url = f"{live_server.url}/t/{topic.id}"

    writer_context, page = _signed_in(browser, live_server, writer)
    page.goto(topic_url)
    reply = page.get_by_label("Your reply")
    reply.press_sequentially("The warm ones, @rea")
    page.get_by_role("option", name=f"@{reader} Rea Der").wait_for()
    reply.press("Enter")  # takes the suggestion
    assert reply.input_value() == f"The warm ones, @{reader} "
    reply.press_sequentially("agrees.")
    page.get_by_role("button", name="Post reply").click()
    mention = page.locator("#post-2 a.mention")
    mention.wait_for()
    assert mention.inner_text() == f"@{reader}"
    writer_context.close()

    reader_context, page = _signed_in(browser, live_server, reader)
    badge = page.locator(".notifications-link .count-badge")
    assert badge.inner_text() == "1"
    page.get_by_role("link", name="Notifications").click()
    # Opening it marks it read on the way (a keepalive request that outlives the page).
    with page.expect_request(lambda request: request.url.endswith("/read")):
        page.get_by_role("link", name="mentioned you in Which bulbs work best?").click()
    page.locator("#post-2").get_by_text("agrees.").wait_for()
    assert page.url.endswith("#post-2")
    for _ in range(20):  # the request may still be on its way on a busy machine
        page.reload()
        if page.locator(".notifications-link .count-badge").count() == 0:
            break
        page.wait_for_timeout(500)
    assert page.locator(".notifications-link .count-badge").count() == 0
    reader_context.close()


def test_journey_employee_reads_the_dashboard_acts_on_what_waits_and_exports(page, live_server):
    with live_server.app.app_context():
        demo.load_demo_data()  # months of history; safe if another journey loaded it
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " event => window.cspViolations.push(event.violatedDirective));"
    )
    _sign_in(page, live_server, "priya", password=demo.DEMO_PASSWORD)

    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Community health").wait_for()
    for heading in ("Needs attention", "Respond", "Listen", "Co-create", "Community"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    # Four charts drawn on the server, each beside a table of its numbers.
    charts = page.locator("figure.chart img")
    assert charts.count() == 4
    page.wait_for_function(
        "Array.from(document.querySelectorAll('figure.chart img'))"
        ".every(image => image.complete && image.naturalWidth > 0)"
    )
    for caption in ("Questions per week", "Posts and members per week", "Ideas per month"):
        assert page.get_by_role("table", name=caption).is_visible()
    assert page.evaluate("window.cspViolations") == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    exported = download.value.path().read_text()
    assert exported.startswith("section,figure,subject,period,value")
    assert "respond,questions asked," in exported

    # The oldest question waiting for the team: answer it from the list.
    waiting = page.locator(".attention-group", has_text="Questions waiting").get_by_role("link")
    title = waiting.first.get_attribute("aria-label").removeprefix("Answer: ")
    waiting.first.click()
    page.get_by_role("heading", name=title).wait_for()
    page.get_by_label("Your reply").fill("Hold the reset button for ten seconds, then re-pair.")
    page.get_by_role("button", name="Post reply").click()
    page.get_by_text("Hold the reset button for ten seconds").wait_for()
    page.goto(f"{live_server.url}/dashboard")
    attention = page.locator(".attention-group", has_text="Questions waiting")
    assert attention.get_by_text(title, exact=True).count() == 0
