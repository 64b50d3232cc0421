"""The review queue in Chromium: a new partner's first post waits for approval, and
three members' flags hide a spam post until a moderator agrees; both in the log."""

from __future__ import annotations

import itertools

import pytest

from community.accounts import services as account_services
from community.spaces.models import Visibility
from tests import factories
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PASSWORD = "a long and lovely passphrase"
_numbers = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}review{next(_numbers)}"


def _signed_in(browser, live_server: LiveServer, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    return context, page


def test_journey_partner_post_waits_for_approval_and_flags_hide_spam(browser, live_server):
    admin, partner, reader, spammer = (_unique(n) for n in ("chief", "partner", "reader", "spam"))
    flaggers = [_unique("flagger") for _ in range(3)]
    bystander = _unique("bystander")
    slug, public_slug = _unique("partner-network-"), _unique("town-")
    with live_server.app.app_context():
        account_services.create_admin(
            email=f"{admin}@example.com", username=admin, password=PASSWORD
        )
        newcomer = factories.make_user(username=partner, password=PASSWORD)  # trust level 0
        established = factories.make_user(username=reader, password=PASSWORD, trust_level=1)
        factories.make_space(
            visibility=Visibility.CLOSED, slug=slug, name="Partner Network",
            members=(newcomer, established), approves_new_member_posts=True,
        )  # fmt: skip
        town = factories.make_space(slug=public_slug, name="Town Hall")
        author = factories.make_user(username=spammer, password=PASSWORD, trust_level=1)
        spam = factories.make_topic(town, author=author, title="Cheap watches here", body="Buy!")
        spam_url = f"{live_server.url}/t/{spam.id}"
        for name in flaggers:
            factories.make_user(username=name, password=PASSWORD, trust_level=1)
        factories.make_user(username=bystander, password=PASSWORD)

    # The partner's first post waits; they are told so, and other members do not see it.
    partner_context, page = _signed_in(browser, live_server, partner)
    page.goto(f"{live_server.url}/s/{slug}/new")
    page.get_by_label("Title").fill("Reseller onboarding in Lyon")
    page.get_by_label("Message").fill("How do we register our first customer?")
    page.get_by_role("button", name="Post topic").click()
    page.get_by_text("waits for a moderator").wait_for()
    partner_context.close()
    reader_context, other = _signed_in(browser, live_server, reader)
    other.goto(f"{live_server.url}/s/{slug}")
    assert other.get_by_text("Reseller onboarding in Lyon").count() == 0

    # The moderator approves it from the queue; then it appears for the space.
    admin_context, moderator = _signed_in(browser, live_server, admin)
    moderator.get_by_role("link", name="Review", exact=True).click()
    item = moderator.locator(".review-item", has_text="Reseller onboarding in Lyon")
    item.get_by_role("button", name="Approve").click()
    moderator.get_by_text("Nothing waits for approval.").wait_for()
    other.reload()
    other.get_by_role("link", name="Reseller onboarding in Lyon").wait_for()
    reader_context.close()

    # Three members of trust level 1 flag the spam; it disappears for others.
    for name in flaggers:
        flagger_context, flagger = _signed_in(browser, live_server, name)
        flagger.goto(spam_url)
        flagger.get_by_role("link", name="Flag", exact=True).click()
        flagger.get_by_label("Spam").check()
        flagger.get_by_role("button", name="Flag", exact=True).click()
        flagger.get_by_text("the moderators will look at it").wait_for()
        flagger_context.close()
    bystander_context, outsider = _signed_in(browser, live_server, bystander)
    outsider.goto(f"{live_server.url}/s/{public_slug}")
    assert outsider.get_by_text("Cheap watches here").count() == 0
    assert outsider.goto(spam_url).status == 404
    bystander_context.close()

    # The moderator agrees with the flags, and finds both decisions in the audit log.
    moderator.goto(f"{live_server.url}/review")
    flagged = moderator.locator(".review-item", has_text="Cheap watches here")
    assert flagged.get_by_text("hidden until you decide").is_visible()
    flagged.get_by_role("button", name="Agree: keep it hidden").click()
    moderator.get_by_text("No open flags.").wait_for()
    moderator.get_by_role("link", name="Audit log").click()
    moderator.get_by_text("post:approve", exact=True).wait_for()
    assert moderator.get_by_text("flag:agree", exact=True).is_visible()
    admin_context.close()
