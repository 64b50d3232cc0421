"""Journey: co-creation on a public idea board, from a customer's idea to shipped."""

from __future__ import annotations

import pytest

from community.extensions import db
from community.spaces.models import IdeaBoard, Space, Visibility
from tests import factories
from tests.browser.test_journeys import PASSWORD, _sign_in, _unique

pytestmark = pytest.mark.browser


def test_journey_idea_is_voted_planned_merged_and_shipped(browser, live_server):
    name = _unique("Lumen Ideas ")
    slug = name.lower().replace(" ", "-")
    author, fan, other, duplicate_author = (_unique(p) for p in ("cust", "fan", "voter", "dupe"))
    staff = _unique("pm")
    with live_server.app.app_context():
        db.session.add(
            Space(slug=slug, name=name, visibility=Visibility.PUBLIC, idea_board=IdeaBoard.ONLY)
        )
        db.session.commit()
        for username in (author, fan, other, duplicate_author):
            factories.make_user(username=username, password=PASSWORD)
        factories.make_user(username=staff, password=PASSWORD, is_employee=True)

    def signed_in(username):
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(10_000)
        _sign_in(page, live_server, username)
        return page

    board_url = f"{live_server.url}/s/{slug}/ideas"

    # A customer posts an idea; they vote for it themselves by posting it.
    customer = signed_in(author)
    customer.goto(board_url)
    customer.get_by_role("link", name="New idea").click()
    customer.get_by_label("Title").fill("Schedules that follow sunset")
    customer.get_by_label("Message").fill("Turn the porch light on **at dusk**, all year.")
    customer.get_by_role("button", name="Post idea").click()
    customer.get_by_role("heading", name="Schedules that follow sunset").wait_for()
    idea_url = customer.url
    assert customer.locator(".idea-panel .vote-count strong").inner_text() == "1"

    # Two members vote from the board; with JavaScript the count changes in place.
    for username in (fan, other):
        voter = signed_in(username)
        voter.goto(board_url)
        voter.get_by_role("button", name="Vote for Schedules that follow sunset").click()
        voter.get_by_role(
            "button", name="Remove your vote for Schedules that follow sunset"
        ).wait_for()
        assert voter.url == board_url  # no reload, no redirect
    assert voter.locator(".idea-vote .vote-count strong").first.inner_text() == "3"

    # An employee answers for the company: planned, with an official response.
    employee = signed_in(staff)
    employee.goto(idea_url)
    employee.get_by_text("Staff: status, response, merge").click()
    employee.get_by_label("Status", exact=True).select_option("planned")
    employee.get_by_label("Official response").fill("Planned for **app 5.2**, using your location.")
    employee.get_by_role("button", name="Save status").click()
    employee.locator(".official-response").get_by_text("app 5.2").wait_for()

    # The voters see it: a notification that leads to the idea and its response.
    fan_page = signed_in(fan)
    fan_page.get_by_role("link", name="Notifications").click()
    fan_page.get_by_role("link", name="Schedules that follow sunset is planned").click()
    fan_page.locator(".official-response").get_by_text("app 5.2").wait_for()
    assert fan_page.locator(".idea-panel .badge-status-planned").is_visible()

    # Someone posts the same idea again; the form suggests the first one while they type.
    duplicate = signed_in(duplicate_author)
    duplicate.goto(board_url)
    duplicate.get_by_role("link", name="New idea").click()
    duplicate.get_by_label("Title").fill("Lights that follow sunset")
    duplicate.locator("#similar-questions").get_by_role(
        "link", name="Schedules that follow sunset"
    ).wait_for()
    duplicate.get_by_label("Message").fill("Dusk-based schedules please.")
    duplicate.get_by_role("button", name="Post idea").click()
    duplicate.get_by_role("heading", name="Lights that follow sunset").wait_for()
    duplicate_url = duplicate.url
    # The fan votes for the duplicate too: after the merge they count once.
    fan_page.goto(duplicate_url)
    fan_page.get_by_role("button", name="Vote for Lights that follow sunset").click()
    fan_page.get_by_role("button", name="Remove your vote for Lights that follow sunset").wait_for()

    employee.goto(duplicate_url)
    employee.get_by_text("Staff: status, response, merge").click()
    employee.get_by_label("Merge into idea").fill(idea_url)
    employee.once("dialog", lambda dialog: dialog.accept())
    employee.get_by_role("button", name="Merge as duplicate").click()
    employee.get_by_text("Merged into “Schedules that follow sunset”").wait_for()
    assert employee.url == idea_url
    # author, fan, other, and the duplicate's author; the fan is not counted twice.
    assert employee.locator(".idea-panel .vote-count strong").inner_text() == "4"
    duplicate.reload()
    assert duplicate.locator(".idea-panel .badge-status-duplicate").is_visible()
    duplicate.locator(".callout").get_by_role("link", name="Schedules that follow sunset").click()
    duplicate.get_by_role("heading", name="Schedules that follow sunset").wait_for()

    # Shipped: the status and response reach the voters, and voting is closed.
    employee.get_by_text("Staff: status, response, merge").click()
    employee.get_by_label("Status", exact=True).select_option("shipped")
    employee.get_by_label("Official response").fill("Shipped in app 5.2. Thank you all!")
    employee.get_by_role("button", name="Save status").click()
    employee.locator(".official-response").get_by_text("Shipped in app 5.2").wait_for()

    for page in (fan_page, duplicate):
        page.goto(f"{live_server.url}/notifications")
        page.get_by_role("link", name="Schedules that follow sunset is shipped").click()
        page.locator(".official-response").get_by_text("Shipped in app 5.2").wait_for()
        assert page.locator(".idea-panel").get_by_text("voting closed").is_visible()
    timeline = fan_page.locator(".idea-timeline")
    timeline.get_by_text("History of this idea").click()
    assert "from open to planned" in timeline.inner_text()
    assert "from planned to shipped" in timeline.inner_text()
