"""The leak matrix: every route x every persona x every space kind.

Each rule in ``app.url_map`` has an entry in ``ROUTES``: how to fill its URL with
objects from a space of each kind, and which status each persona must get. The
expected statuses come from the hand-written tables in ``test_policy`` (not from
``community.policy``), so a weakened policy shows up here as a mismatch.

Every response body is also searched for the canary strings of every space the
persona may not read: titles, bodies and the name of a member seen only there.
A new route without an entry here fails ``test_every_route_is_in_the_leak_matrix``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from PIL import Image

from community.accounts.models import Role
from community.extensions import db
from community.groups.models import Group, GroupRequest
from community.ideas import services as idea_services
from community.invites.models import Invite
from community.moderation.models import SignupApproval, SignupStatus
from community.notifications import outbox as outbox_service
from community.notifications import preferences as notification_preferences
from community.notifications.models import EmailFrequency, Notification, NotificationKind
from community.profiles import services as profile_services
from community.profiles.models import FieldAnswer, FieldVisibility, ProfileFieldKind
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, JoinRequest, MembershipRole
from community.topics import services as topic_services
from community.topics.models import ReviewState, TopicKind
from tests import factories
from tests.conftest import (
    PERSONAS,
    SIGNED_OUT_PERSONAS,
    SPACE_KINDS,
    csrf_token_from,
    page_with_csrf_token,
)
from tests.mail import sent_mail
from tests.test_policy import (
    DASHBOARD,
    FLAG_AT_TRUST_LEVEL_1,
    GROUPS,
    IDEA_NOTES,
    IDEA_STAFF,
    LISTED,
    MEMBER_ACTIONS,
    MODERATE,
    POST,
    READ,
    REVIEW,
    REVIEW_POST,
    REVIEW_QUEUE,
    REVIEW_SIGNUPS,
    SANCTION,
    SITE,
    N,
    Y,
)

Expect = Callable[[str, int], int]


# --- expectations -------------------------------------------------------------------


def _anonymous(persona: str) -> bool:
    return persona == "anonymous"


def everyone(status: int) -> Expect:
    return lambda persona, column: status


def anonymous_or_member(*, anonymous: int, member: int) -> Expect:
    return lambda persona, column: anonymous if _anonymous(persona) else member


def admin_only(ok: int) -> Expect:
    # The admin area does not exist for anyone else, visitors included.
    return lambda persona, column: ok if persona == "admin" else 404


def readers(ok: int) -> Expect:
    return lambda persona, column: ok if READ[persona][column] else 404


def listed(ok: int) -> Expect:
    return lambda persona, column: ok if LISTED[persona][column] else 404


def acting(table: dict[str, tuple[bool, bool, bool]], ok: int) -> Expect:
    """Signed-in action in a space: 404 if hidden, 403 if seen but not allowed."""

    def expect(persona: str, column: int) -> int:
        if _anonymous(persona):
            return 302
        if not READ[persona][column]:
            return 404
        return ok if table[persona][column] else 403

    return expect


# Who may accept an answer to a question asked by the admin: staff who read the space
# (employees, moderators of it, admins), never a member who is not the asker.
#                    public closed employee
ACCEPT = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, N, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (Y, N, Y),
    "space_moderator": (Y, Y, N),
    "moderator":       (Y, N, N),
    "admin":           (Y, Y, Y),
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
RESPOND_QUEUE_USERS = {"employee", "space_moderator", "moderator", "admin"}
# Asking to join: signed-in, confirmed non-members of a closed space that takes requests.
JOIN = {
    "anonymous":       (N, N, N),
    "unconfirmed":     (N, N, N),
    "member":          (N, Y, N),
    "closed_member":   (N, N, N),
    "group_member":    (N, N, N),
    "employee":        (N, Y, N),
    "space_moderator": (N, N, N),
    "moderator":       (N, Y, N),
    "admin":           (N, N, N),
    # A request carries a message: silenced members send none.
    "silenced":        (N, N, N),
    "suspended":       (N, N, N),
}  # fmt: skip
# Withdrawing an invite (these have no creator): the moderators of the closed space it
# opens, and admins, whatever it opens.
WITHDRAW = {
    persona: tuple(allowed or persona == "admin" for allowed in REVIEW[persona])
    for persona in REVIEW
}


def join(persona: str, column: int) -> int:
    if _anonymous(persona):
        return 302
    if not LISTED[persona][column]:
        return 404
    return 302 if JOIN[persona][column] else 403


def dashboard(persona: str, column: int) -> int:
    """Staff only; the space filter names this kind's space, so a staff member who
    does not read it gets 404 as for a space that does not exist."""
    if _anonymous(persona):
        return 302
    return 200 if DASHBOARD[persona] and READ[persona][column] else 404


def dashboard_action(persona: str, column: int) -> int:
    if _anonymous(persona):
        return 302
    return 302 if DASHBOARD[persona] else 404


def review_queue(persona: str, column: int) -> int:
    if _anonymous(persona):
        return 302
    return 200 if REVIEW_QUEUE[persona] else 404


def signup_review(ok: int) -> Expect:
    """Deciding a sign-up: sign in first; it does not exist for non-reviewers."""

    def expect(persona: str, column: int) -> int:
        if _anonymous(persona):
            return 302
        return ok if REVIEW_SIGNUPS[persona] else 404

    return expect


# Every persona is at trust level 0, below FLAG_MIN_TRUST_LEVEL: readers see the post
# but may not flag it (test_policy.FLAG_AT_TRUST_LEVEL_1 says who may at level 1).
FLAG_AT_TRUST_LEVEL_0 = {
    persona: tuple(N for _ in allowed) for persona, allowed in FLAG_AT_TRUST_LEVEL_1.items()
}


def respond_queue(persona: str, column: int) -> int:
    if _anonymous(persona):
        return 302
    return 200 if persona in RESPOND_QUEUE_USERS else 404


def sanctioning(ok: int) -> Expect:
    """A member's moderation page (the voice of this kind's space): global moderators
    and admins who may know of the member; everyone else gets the same 404."""

    def expect(persona: str, column: int) -> int:
        return ok if SANCTION[persona] and READ[persona][column] else 404

    return expect


def setting_trust_level(ok: int) -> Expect:
    """Admins set levels; moderators see the page but may not (403)."""

    def expect(persona: str, column: int) -> int:
        if not (SANCTION[persona] and READ[persona][column]):
            return 404
        return ok if MEMBER_ACTIONS[persona][2] else 403

    return expect


# Columns of test_policy's SITE and GROUPS tables.
SITE_COMMUNITY, SITE_NEWCOMERS = 0, 2
SEE_OWN_GROUP, SEE_OPEN_GROUP, MANAGE_GROUP, REQUEST_OPEN_GROUP = 0, 1, 3, 4


def site(right: int, ok: int, *, denied: int = 404) -> Expect:
    """A right that does not depend on the space: from test_policy's SITE table."""

    def expect(persona: str, column: int) -> int:
        return ok if SITE[persona][right] else denied

    return expect


def signed_in_site(right: int, ok: int) -> Expect:
    """Signed-in pages for a site-wide right: sign in first, then 403 if not allowed."""

    def expect(persona: str, column: int) -> int:
        if _anonymous(persona):
            return 302
        return ok if SITE[persona][right] else 403

    return expect


def group_page(ok: int, *, needs: int = SEE_OWN_GROUP, seen_with: int = SEE_OWN_GROUP) -> Expect:
    """A group's route: sign in first; 404 if the group is hidden; 403 if seen but
    the action (``needs``, a GROUPS column) is not allowed."""

    def expect(persona: str, column: int) -> int:
        if _anonymous(persona):
            return 302
        if not GROUPS[persona][seen_with]:
            return 404
        return ok if GROUPS[persona][needs] else 403

    return expect


# --- the route table ----------------------------------------------------------------


@dataclass(frozen=True)
class Objects:
    """What URLs are filled with, for one space kind."""

    slug: str
    topic_id: int  # a question
    post_id: int  # the question's first post
    reply_id: int  # an answer to it, by someone other than every persona
    member_id: int
    tag: str  # used only on this kind's topic
    join_request_id: int  # a pending request to join this kind's space
    invite_id: int  # an invite to this kind's space
    idea_id: int  # an idea on this kind's board, with an internal note
    notification_id: int  # a notification of someone other than every persona
    space_id: int
    group_id: int  # the world's "Partners" group (the group_member persona is in it)
    group_member_id: int  # the group_member persona
    open_group_id: int  # a group no persona is in that takes requests
    group_request_id: int  # a pending request to join "Partners"
    newcomer_id: int  # a confirmed member who joined today
    username: str  # a member seen only in this kind's space (who posted there)
    export_token: str  # that member's data export
    profile_field_id: int  # an admin-defined profile field
    signup_id: int  # a sign-up waiting for approval (the member's id)


@dataclass(frozen=True)
class Route:
    fill: Callable[[Objects], dict]
    get: Expect | None = None
    post: Expect | None = None
    # Form fields a POST sends besides the CSRF token.
    data: Callable[[Objects], dict] = lambda objects: {}


def nothing(objects: Objects) -> dict:
    return {}


def slug(objects: Objects) -> dict:
    return {"slug": objects.slug}


def slug_filter(objects: Objects) -> dict:
    return {"space": objects.slug}


def topic(objects: Objects) -> dict:
    return {"topic_id": objects.topic_id}


def post(objects: Objects) -> dict:
    return {"post_id": objects.post_id}


def reply(objects: Objects) -> dict:
    return {"post_id": objects.reply_id}


def idea(objects: Objects) -> dict:
    return {"topic_id": objects.idea_id}


def username(objects: Objects) -> dict:
    return {"username": objects.username}


def bad_token(objects: Objects) -> dict:
    return {"token": "not-a-real-token"}


def search_canaries(objects: Objects) -> dict:
    """Search for the words of this kind's canary topic and reply (a query string).

    In lower case: search ignores case, and the address then holds no canary, so
    every canary is looked for in the results.
    """
    kind = objects.tag.removeprefix("canary").removesuffix("tag")
    held = " OR ".join(f"{state}{kind}{part}" for state in HELD_STATES for part in HELD_PARTS)
    return {"q": f"canary{kind} OR canary{kind}body OR canary{kind}reply OR {held}"}


# Posts nobody but their author and the space's moderators may see, in every space:
# a topic and a reply waiting for approval, and a topic and a reply hidden by flags.
HELD_STATES = ("held", "flagged")
HELD_PARTS = ("title", "body", "reply")


# POSTs carry a valid CSRF token and no other fields: allowed personas get the form's
# 422 (or the action's redirect), denied ones the policy's 403/404.
ROUTES: dict[str, Route] = {
    "healthz": Route(nothing, get=everyone(200)),
    "spaces.home": Route(nothing, get=everyone(200)),
    "spaces.show": Route(slug, get=listed(200)),
    "spaces.admin_index": Route(nothing, get=admin_only(200)),
    "spaces.admin_new": Route(nothing, get=admin_only(200), post=admin_only(422)),
    # WTForms keeps an object's values for fields a POST leaves out: a valid save.
    "spaces.admin_edit": Route(slug, get=admin_only(200), post=admin_only(302)),
    "spaces.admin_add_member": Route(slug, post=admin_only(422)),
    "spaces.admin_remove_member": Route(
        lambda o: {"slug": o.slug, "user_id": o.member_id}, post=admin_only(302)
    ),
    "topics.show": Route(topic, get=readers(200)),
    "topics.new": Route(slug, get=acting(POST, 200), post=acting(POST, 422)),
    "topics.reply": Route(topic, post=acting(POST, 422)),
    "topics.edit": Route(post, get=acting(MODERATE, 200), post=acting(MODERATE, 422)),
    "topics.delete": Route(post, post=acting(MODERATE, 302)),
    "topics.revisions": Route(post, get=readers(200)),
    "topics.pin": Route(topic, post=acting(MODERATE, 302)),
    "topics.wiki": Route(post, post=acting(MODERATE, 302), data=lambda o: {"value": "on"}),
    # The review queue: a space's moderators review its posts (the reply is published,
    # so approving it is a no-op redirect; an empty reason or decision is refused).
    "review.index": Route(nothing, get=review_queue),
    "review.approve": Route(reply, post=acting(REVIEW_POST, 302)),
    "review.edit_and_approve": Route(
        reply, get=acting(REVIEW_POST, 200), post=acting(REVIEW_POST, 302)
    ),
    "review.reject": Route(reply, get=acting(REVIEW_POST, 200), post=acting(REVIEW_POST, 422)),
    "review.decide_flags": Route(reply, post=acting(REVIEW_POST, 422)),
    # An empty reason is refused beside the field.
    "review.approve_signup": Route(lambda o: {"user_id": o.signup_id}, post=signup_review(302)),
    "review.reject_signup": Route(lambda o: {"user_id": o.signup_id}, post=signup_review(422)),
    "review.flag": Route(
        reply,
        get=acting(FLAG_AT_TRUST_LEVEL_0, 200),
        post=acting(FLAG_AT_TRUST_LEVEL_0, 422),
        data=lambda o: {"reason": "spam"},
    ),
    "tags.index": Route(nothing, get=everyone(200)),
    # Everyone may search; results hold only what the persona may read.
    "search.index": Route(search_canaries, get=everyone(200)),
    "spaces.request_to_join": Route(slug, post=join),
    "spaces.join_requests": Route(slug, get=acting(REVIEW, 200)),
    "spaces.decide_join_request": Route(
        lambda o: {"request_id": o.join_request_id, "decision": "approve"},
        post=acting(REVIEW, 302),
    ),
    "tags.show": Route(lambda o: {"name": o.tag}, get=readers(200)),
    "topics.lock": Route(topic, post=acting(MODERATE, 302)),
    "topics.preview": Route(nothing, post=anonymous_or_member(anonymous=302, member=422)),
    "answers.accept": Route(
        topic, post=acting(ACCEPT, 302), data=lambda o: {"post_id": o.reply_id}
    ),
    "answers.unaccept": Route(topic, post=acting(ACCEPT, 302)),
    "answers.vote": Route(reply, post=acting(POST, 302), data=lambda o: {"value": "on"}),
    "answers.respond_queue": Route(nothing, get=respond_queue),
    # The dashboard, its charts and export, filtered to this kind's space.
    "dashboard.index": Route(slug_filter, get=dashboard),
    "dashboard.chart": Route(lambda o: {"section": "community", **slug_filter(o)}, get=dashboard),
    "dashboard.export_csv": Route(slug_filter, get=dashboard),
    "dashboard.summary": Route(nothing, post=dashboard_action, data=lambda o: {"value": "on"}),
    "accounts.signup": Route(
        nothing,
        get=anonymous_or_member(anonymous=200, member=302),
        post=anonymous_or_member(anonymous=422, member=302),
    ),
    "accounts.signup_sent": Route(nothing, get=everyone(200)),
    "accounts.confirm": Route(bad_token, get=everyone(200), post=everyone(404)),
    "accounts.resend_confirmation": Route(nothing, post=everyone(302)),
    "accounts.login": Route(
        nothing,
        get=anonymous_or_member(anonymous=200, member=302),
        post=anonymous_or_member(anonymous=422, member=302),
    ),
    "accounts.logout": Route(nothing, post=everyone(302)),
    "accounts.reset_request": Route(nothing, get=everyone(200), post=everyone(422)),
    "accounts.reset_password": Route(bad_token, get=everyone(404), post=everyone(404)),
    "accounts.settings": Route(nothing, get=anonymous_or_member(anonymous=302, member=200)),
    "accounts.change_password": Route(nothing, post=anonymous_or_member(anonymous=302, member=422)),
    "accounts.change_email": Route(nothing, post=anonymous_or_member(anonymous=302, member=422)),
    "accounts.confirm_email_change": Route(bad_token, get=everyone(404), post=everyone(404)),
    "accounts.sign_out_everywhere": Route(nothing, post=everyone(302)),
    "accounts.admin_members": Route(nothing, get=admin_only(200)),
    # Ideas: boards and votes follow the space; staff answer; notes are employees'.
    "ideas.board": Route(slug, get=readers(200)),
    "ideas.vote": Route(idea, post=acting(POST, 302), data=lambda o: {"value": "on"}),
    "ideas.set_status": Route(idea, post=acting(IDEA_STAFF, 422)),
    "ideas.merge": Route(idea, post=acting(IDEA_STAFF, 422)),
    "ideas.add_note": Route(idea, post=acting(IDEA_NOTES, 422)),
    "ideas.roadmap": Route(nothing, get=everyone(200)),
    # Notifications: one's own only; another member's is a 404 to everyone.
    "notifications.index": Route(nothing, get=anonymous_or_member(anonymous=302, member=200)),
    "notifications.read_all": Route(nothing, post=anonymous_or_member(anonymous=302, member=302)),
    "notifications.read_one": Route(
        lambda o: {"notification_id": o.notification_id},
        post=anonymous_or_member(anonymous=302, member=404),
    ),
    "notifications.watch": Route(topic, post=acting(READ, 302), data=lambda o: {"level": "muted"}),
    "notifications.watch_space": Route(
        slug, post=acting(READ, 302), data=lambda o: {"level": "tracking"}
    ),
    "notifications.read_topic": Route(topic, post=acting(READ, 302), data=lambda o: {"up_to": "2"}),
    # Suggestions for "canary" match the canary members' display names: only members
    # the persona has seen, and only where the persona reads, may come back.
    "notifications.mentions": Route(
        lambda o: {"topic_id": o.topic_id, "q": "canary"}, get=acting(READ, 200)
    ),
    "notifications.preferences": Route(
        nothing,
        get=anonymous_or_member(anonymous=302, member=200),
        post=anonymous_or_member(anonymous=302, member=422),
    ),
    # A forged token: the same 404 for everyone, changing nothing.
    "notifications.unsubscribe": Route(bad_token, get=everyone(404), post=everyone(404)),
    "accounts.admin_member": Route(
        lambda o: {"user_id": o.member_id}, get=admin_only(200), post=admin_only(302)
    ),
    # An empty display name is refused beside the field.
    "accounts.change_display_name": Route(
        nothing, post=anonymous_or_member(anonymous=302, member=422)
    ),
    # Invites: the space's page is its moderators'; the full page is for those who may
    # invite to the community. An empty form makes a link with the defaults.
    "invites.index": Route(
        nothing, get=signed_in_site(SITE_COMMUNITY, 200), post=signed_in_site(SITE_COMMUNITY, 200)
    ),
    "invites.space_invites": Route(slug, get=acting(REVIEW, 200), post=acting(REVIEW, 200)),
    "invites.space_settings": Route(slug, post=acting(REVIEW, 302)),
    "invites.withdraw": Route(lambda o: {"invite_id": o.invite_id}, post=acting(WITHDRAW, 302)),
    # A forged token: the same 404 for everyone, naming no space.
    "invites.accept": Route(bad_token, get=everyone(404), post=everyone(404)),
    # Groups: a group exists for its members and admins; its owners (admins here)
    # manage its members; a group taking requests is seen and asked by members.
    "groups.index": Route(nothing, get=anonymous_or_member(anonymous=302, member=200)),
    "groups.show": Route(lambda o: {"group_id": o.group_id}, get=group_page(200)),
    "groups.add_member": Route(
        lambda o: {"group_id": o.group_id}, post=group_page(422, needs=MANAGE_GROUP)
    ),
    "groups.remove_member": Route(
        lambda o: {"group_id": o.group_id, "user_id": o.group_member_id},
        post=group_page(302, needs=MANAGE_GROUP),
    ),
    "groups.request_membership": Route(
        lambda o: {"group_id": o.open_group_id},
        post=group_page(302, needs=REQUEST_OPEN_GROUP, seen_with=SEE_OPEN_GROUP),
    ),
    "groups.decide_request": Route(
        lambda o: {"request_id": o.group_request_id, "decision": "approve"},
        post=group_page(302, needs=MANAGE_GROUP),
    ),
    "groups.admin_new": Route(nothing, get=admin_only(200), post=admin_only(422)),
    "groups.admin_edit": Route(
        lambda o: {"group_id": o.group_id}, get=admin_only(200), post=admin_only(302)
    ),
    "groups.admin_delete": Route(lambda o: {"group_id": o.group_id}, post=admin_only(302)),
    "groups.admin_set_owner": Route(
        lambda o: {"group_id": o.group_id, "user_id": o.group_member_id},
        post=admin_only(302),
        data=lambda o: {"value": "on"},
    ),
    "groups.admin_grant_space": Route(lambda o: {"group_id": o.group_id}, post=admin_only(422)),
    "groups.admin_revoke_space": Route(
        lambda o: {"group_id": o.group_id, "space_id": o.space_id}, post=admin_only(302)
    ),
    # Onboarding: one's own checklist; the guidelines for everyone; the settings for
    # admins; "new this week" for moderators.
    "onboarding.welcome": Route(nothing, get=anonymous_or_member(anonymous=302, member=200)),
    "onboarding.guidelines": Route(nothing, get=everyone(200)),
    "onboarding.mark_guidelines_read": Route(
        nothing, post=anonymous_or_member(anonymous=302, member=302)
    ),
    # An empty form is a valid save (no guidelines, no welcome space).
    "onboarding.admin_settings": Route(nothing, get=admin_only(200), post=admin_only(302)),
    "onboarding.newcomers": Route(nothing, get=site(SITE_NEWCOMERS, 200)),
    "onboarding.welcome_newcomer": Route(
        lambda o: {"user_id": o.newcomer_id}, post=site(SITE_NEWCOMERS, 302)
    ),
    # The audit log: admins read it; nothing changes it.
    "audit.index": Route(nothing, get=admin_only(200)),
    # Profiles: a member exists for whoever can read something they wrote or a space
    # they belong to (test_policy.SEE_MEMBER), and so does their avatar.
    "profiles.show": Route(username, get=readers(200)),
    "profiles.avatar": Route(username, get=readers(200)),
    "profiles.edit": Route(nothing, get=anonymous_or_member(anonymous=302, member=200)),
    "profiles.update": Route(nothing, post=anonymous_or_member(anonymous=302, member=422)),
    "profiles.upload_avatar": Route(nothing, post=anonymous_or_member(anonymous=302, member=422)),
    "profiles.remove_avatar": Route(nothing, post=everyone(302)),
    "profiles.export": Route(nothing, get=anonymous_or_member(anonymous=302, member=200)),
    "profiles.request_export": Route(nothing, post=anonymous_or_member(anonymous=302, member=422)),
    # Another member's archive: the same 404 for everyone, signed in or not.
    "profiles.download_export": Route(lambda o: {"token": o.export_token}, get=everyone(404)),
    "profiles.delete_account": Route(
        nothing,
        get=anonymous_or_member(anonymous=302, member=200),
        post=anonymous_or_member(anonymous=302, member=422),
    ),
    "profiles.admin_delete_member": Route(
        lambda o: {"user_id": o.member_id}, get=admin_only(200), post=admin_only(422)
    ),
    "profiles.admin_fields": Route(nothing, get=admin_only(200), post=admin_only(422)),
    "profiles.admin_field": Route(
        lambda o: {"field_id": o.profile_field_id}, get=admin_only(200), post=admin_only(302)
    ),
    "profiles.admin_delete_field": Route(
        lambda o: {"field_id": o.profile_field_id}, post=admin_only(302)
    ),
    # Acting on members: global moderators and admins, on members they know of. Empty
    # forms are refused beside their fields; lifting with nothing in force changes
    # nothing and goes back to the page.
    "sanctions.member": Route(username, get=sanctioning(200)),
    "sanctions.warn": Route(username, post=sanctioning(422)),
    "sanctions.silence": Route(username, post=sanctioning(422)),
    "sanctions.suspend": Route(username, post=sanctioning(422)),
    "sanctions.unsilence": Route(username, post=sanctioning(302)),
    "sanctions.unsuspend": Route(username, post=sanctioning(302)),
    "sanctions.trust_level": Route(username, post=setting_trust_level(422)),
    # The topic page's reading report: readers, silenced ones included; an empty
    # report is refused.
    "trust.reading": Route(topic, post=acting(READ, 422)),
}
NOT_IN_MATRIX = {"static"}  # files from static/, the same for everyone


def test_every_route_is_in_the_leak_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_IN_MATRIX
    assert endpoints - ROUTES.keys() == set(), "add these routes to ROUTES"
    assert ROUTES.keys() - endpoints == set(), "these ROUTES no longer exist"
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_IN_MATRIX:
            continue
        route = ROUTES[rule.endpoint]
        assert ("GET" in rule.methods) == (route.get is not None), rule.endpoint
        assert ("POST" in rule.methods) == (route.post is not None), rule.endpoint


# --- the walk -----------------------------------------------------------------------


def _seed_canaries(
    world, held_canaries: dict[str, list[str]] | None = None
) -> tuple[dict[str, Objects], dict[str, list[str]]]:
    """A topic with a reply in each space; canaries for the closed and employee ones.

    Given ``held_canaries``, each space also gets held and flag-hidden posts
    (``_seed_held_posts``), whose canaries go there by space kind."""
    admin = world.user("admin")
    voices = {
        "public": factories.make_user(username="publicvoice"),
        "closed": factories.make_user(username="zedcanary", display_name="Zed Canaryclosed"),
        "employee": factories.make_user(
            username="yancanary", display_name="Yan Canaryemployee", is_employee=True
        ),
    }
    space_services.add_member(admin, world.spaces["closed"], voices["closed"])
    space_services.add_member(
        admin, world.spaces["employee"], world.user("employee"), role=MembershipRole.MEMBER
    )
    members = {
        "public": world.user("space_moderator"),
        "closed": world.user("closed_member"),
        "employee": world.user("employee"),
    }
    world.spaces["closed"].accepts_join_requests = True
    join_requests = {}
    for kind in SPACE_KINDS:
        joiner = factories.make_user(username=f"joiner{kind}")
        join_requests[kind] = JoinRequest(space=world.spaces[kind], user=joiner, message="hi")
        db.session.add(join_requests[kind])
    # Invites made directly, for every kind: the routes must refuse the wrong ones.
    invites = {
        kind: Invite(
            token_hash=f"{kind:0<64}",
            spaces=[world.spaces[kind]],
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
        for kind in SPACE_KINDS
    }
    db.session.add_all(invites.values())
    partners = db.session.scalar(sa.select(Group).where(Group.name == "Partners"))
    open_group = factories.make_group(name="Open House", accepts_requests=True)
    group_request = GroupRequest(group=partners, user=factories.make_user(username="hopeful"))
    db.session.add(group_request)
    newcomer = factories.make_user(username="newcomer", has_signed_in=False)
    awaiting = factories.make_user(username="awaiting", has_signed_in=False)
    db.session.add(SignupApproval(user_id=awaiting.id, status=SignupStatus.PENDING))
    db.session.commit()
    # Each voice has a profile whose fields say which space they are known from, an
    # avatar and an archive of their data.
    profile_field = profile_services.create_profile_field(
        admin, label="Favourite lamp", kind=ProfileFieldKind.TEXT
    )
    exports = {}
    for kind, voice in voices.items():
        profile_services.update_profile(
            voice, display_name=voice.display_name, bio=f"Known from the {kind} space",
            fields={"company": f"Company of the {kind} voice"}, visibility={},
            answers={profile_field.id: FieldAnswer(f"A lamp of the {kind} voice",
                                                   FieldVisibility.EVERYONE)},
        )  # fmt: skip
        profile_services.set_avatar(voice, data=_png())
        exports[kind] = profile_services.request_export(voice, password=factories.PASSWORD).token
    objects: dict[str, Objects] = {}
    canaries: dict[str, list[str]] = {}
    for kind in SPACE_KINDS:
        world.spaces[kind].idea_board = IdeaBoard.ALONGSIDE
        marker = f"CANARY{kind.upper()}"
        topic = factories.make_topic(
            world.spaces[kind],
            author=admin,
            kind=TopicKind.QUESTION,
            tags=f"canary{kind}tag",
            title=f"{marker} title of the {kind} topic",
            body=f"{marker}BODY secret plans of the {kind} space",
        )
        answer = factories.make_reply(topic, author=voices[kind], body=f"{marker}REPLY a reply")
        idea = factories.make_topic(
            world.spaces[kind],
            author=admin,
            kind=TopicKind.IDEA,
            title=f"{marker}IDEA an idea for the {kind} board",
            body=f"{marker}IDEABODY",
        )
        idea_services.add_idea_note(admin, idea, body=f"INTERNALNOTE{kind.upper()} our plans")
        # Every persona has a notification about every space's idea, as members who
        # lost access would: the notifications page must show only readable ones.
        for user in [*world.users.values(), voices[kind]]:
            if user is not None:
                db.session.add(
                    Notification(user_id=user.id, kind=NotificationKind.IDEA_STATUS, topic=idea)
                )
                # And one about the space itself (an invite), shown only while the
                # persona may see the space's listing.
                db.session.add(
                    Notification(
                        user_id=user.id,
                        kind=NotificationKind.INVITE,
                        space=world.spaces[kind],
                        actor=admin,
                    )
                )
        db.session.commit()
        notification_id = db.session.scalar(
            sa.select(Notification.id).where(
                Notification.user_id == voices[kind].id, Notification.topic_id == idea.id
            )
        )
        first_post_id = db.session.scalar(
            sa.text("SELECT id FROM posts WHERE topic_id = :t AND post_number = 1"),
            {"t": topic.id},
        )
        objects[kind] = Objects(
            slug=world.spaces[kind].slug,
            topic_id=topic.id,
            post_id=first_post_id,
            reply_id=answer.id,
            member_id=members[kind].id,
            tag=f"canary{kind}tag",
            join_request_id=join_requests[kind].id,
            invite_id=invites[kind].id,
            idea_id=idea.id,
            notification_id=notification_id,
            space_id=world.spaces[kind].id,
            group_id=partners.id,
            group_member_id=world.user("group_member").id,
            open_group_id=open_group.id,
            group_request_id=group_request.id,
            newcomer_id=newcomer.id,
            username=voices[kind].username,
            export_token=exports[kind],
            profile_field_id=profile_field.id,
            signup_id=awaiting.id,
        )
        canaries[kind] = [marker, f"{marker}BODY", f"{marker}REPLY", f"canary{kind}tag"]
        if held_canaries is not None:
            held_canaries[kind] = _seed_held_posts(world.spaces[kind], topic, voices[kind])
    canaries["closed"].append("Canaryclosed")
    canaries["employee"].append("Canaryemployee")
    # Employee spaces are not even listed to others: their name is a canary too.
    canaries["employee"].append(world.spaces["employee"].name)
    return objects, canaries


def _seed_held_posts(space, question, voice) -> list[str]:
    """A topic and a reply of ``voice`` waiting for approval, and a topic and a reply
    hidden by flags, each with its canaries; the replies are on the canary question.

    The replies mention and quote nobody, but were announced (the hidden ones while
    published, the held ones as if approval had come and gone): what is shown must
    still leave them out. Returns the canaries.
    """
    kind = space.visibility.value.upper()
    found = []
    for state in HELD_STATES:
        marker = f"{state.upper()}{kind}"
        topic = factories.make_topic(
            space, author=voice, title=f"{marker}TITLE a topic", body=f"{marker}BODY text"
        )
        reply = factories.make_reply(question, author=voice, body=f"{marker}REPLY text")
        for post in (factories.first_post(topic), reply):
            if state == "flagged":
                topic_services.hide_post(post)
            else:
                post.review_state = ReviewState.PENDING
                if post.is_first:
                    post.topic.review_state = ReviewState.PENDING
        found += [f"{marker}TITLE", f"{marker}BODY", f"{marker}REPLY"]
    db.session.commit()
    return found


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color="gold").save(out, format="PNG")
    return out.getvalue()


# Objects that do not exist, for the same routes: what a wrong address answers.
NO_SUCH_ID = 987_654_321
MISSING = Objects(
    **{
        field.name: NO_SUCH_ID if field.type == "int" else "no-such-thing"
        for field in fields(Objects)
    }
)
_NONCE = re.compile(r'nonce="[^"]*"')
_CSRF = re.compile(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]*"')


def _as_any_404(body: str, path: str) -> str:
    """A 404 body with what differs between any two requests taken out: the CSP
    nonce, the CSRF token, and the requested address (a page may echo it)."""
    body = _NONCE.sub('nonce=""', body)
    body = _CSRF.sub(r'\1"', body)
    return body.replace(path, "PATH").replace(path.replace("&", "&amp;"), "PATH")


@dataclass
class Session:
    """One persona's client, sending each request in a savepoint rolled back
    afterwards with the persona's session restored, so no case changes the next."""

    client: object
    database: sa.Connection
    cookie: str
    csrf_token: str

    def request(self, method: str, path: str, data: dict) -> object:
        self.client.set_cookie("session", self.cookie)
        savepoint = self.database.begin_nested()
        if method == "GET":
            response = self.client.get(path)
        else:
            response = self.client.post(path, data={**data, "csrf_token": self.csrf_token})
        savepoint.rollback()
        db.session.expire_all()
        return response


@dataclass
class Outcome:
    cases: int = 0
    mismatches: list[str] | None = None
    leaks: list[str] | None = None
    # 404s for hidden objects whose body differs from the 404 of a missing one.
    telling_404s: list[str] | None = None


def test_leak_matrix_every_route_role_and_space_kind(
    app, database, world, client_as, report_figure
):
    held_canaries: dict[str, list[str]] = {}
    objects, canaries = _seed_canaries(world, held_canaries)
    outcome = Outcome(mismatches=[], leaks=[], telling_404s=[])
    database_name = "postgresql" if database.dialect.name == "postgresql" else "sqlite"

    for persona in PERSONAS:
        client = client_as(persona)
        token = csrf_token_from(page_with_csrf_token(client, "/"))
        session_cookie = client.get_cookie("session").value
        missing_404s: dict[tuple[str, str], str] = {}
        session = Session(client, database, session_cookie, token)

        hidden_canaries = (
            [
                canary
                for column, kind in enumerate(SPACE_KINDS)
                if not READ[persona][column]
                for canary in canaries[kind]
            ]
            + [
                # Internal notes: hidden from everyone but employees, even where they read.
                f"INTERNALNOTE{kind.upper()}"
                for column, kind in enumerate(SPACE_KINDS)
                if not IDEA_NOTES[persona][column]
            ]
            + [
                # Held and flag-hidden posts: their author (no persona) and the space's
                # moderators only, even where the persona reads the space.
                canary
                for column, kind in enumerate(SPACE_KINDS)
                if not REVIEW_POST[persona][column]
                for canary in held_canaries[kind]
            ]
        )
        for endpoint, route in ROUTES.items():
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            for column, kind in enumerate(SPACE_KINDS):
                # Values the rule has no place for become the query string.
                path = rule.build(route.fill(objects[kind]), append_unknown=True)[1]
                for method, expect in (("GET", route.get), ("POST", route.post)):
                    if expect is None:
                        continue
                    outcome.cases += 1
                    response = session.request(method, path, route.data(objects[kind]))
                    # A suspended member's sign-in was refused: they are a visitor.
                    answered_as = "anonymous" if persona in SIGNED_OUT_PERSONAS else persona
                    expected = expect(answered_as, column)
                    where = f"{method} {path} as {persona} ({kind} space)"
                    if response.status_code != expected:
                        outcome.mismatches.append(
                            f"{where}: {response.status_code}, expected {expected}"
                        )
                    # Pictures and archives are searched too, as bytes read as text.
                    body = response.get_data().decode("utf-8", errors="replace")
                    if response.status_code == 404:
                        # Hidden must read exactly like missing (SECURITY-PLAN check 5).
                        key = (endpoint, method)
                        if key not in missing_404s:
                            nowhere = rule.build(route.fill(MISSING), append_unknown=True)[1]
                            missing = session.request(method, nowhere, route.data(MISSING))
                            missing_404s[key] = _as_any_404(missing.get_data(as_text=True), nowhere)
                        if _as_any_404(body, path) != missing_404s[key]:
                            outcome.telling_404s.append(where)
                    for canary in hidden_canaries:
                        # A page may echo its own address (sign-in's next=); that tells
                        # the requester nothing they did not send.
                        if canary in path:
                            continue
                        if re.search(re.escape(canary), body):
                            outcome.leaks.append(f"{where}: contains {canary}")

    routes = len(ROUTES)
    report_figure(
        f"FIGURE leak-matrix db={database_name} routes={routes} roles={len(PERSONAS)} "
        f"kinds={len(SPACE_KINDS)} cases={outcome.cases} "
        f"mismatches={len(outcome.mismatches)} leaks={len(outcome.leaks)} "
        f"unmapped-routes=0 telling-404s={len(outcome.telling_404s)}"
    )
    assert outcome.mismatches == [], "\n".join(outcome.mismatches)
    assert outcome.leaks == []
    assert outcome.telling_404s == [], "\n".join(outcome.telling_404s)


def test_leak_matrix_admin_sees_every_canary_so_the_check_can_fail(world, client_as):
    """A positive control: the canaries really are on the pages the matrix visits."""
    held_canaries: dict[str, list[str]] = {}
    objects, canaries = _seed_canaries(world, held_canaries)
    admin = client_as("admin")
    assert world.user("admin").role is Role.ADMIN
    notifications = admin.get("/notifications").get_data(as_text=True)
    for kind in SPACE_KINDS:
        body = admin.get(f"/t/{objects[kind].topic_id}").get_data(as_text=True)
        for canary in canaries[kind]:
            assert canary in body, (kind, canary)
        # The held and flagged replies are on the question's page for its moderators,
        # and every held post is in the review queue or on its topic's page.
        for canary in held_canaries[kind]:
            if canary.endswith("REPLY"):
                assert canary in body, (kind, canary)
        queue = admin.get("/review").get_data(as_text=True)
        for canary in held_canaries[kind]:
            if canary.startswith("HELD"):
                assert canary in queue, (kind, canary)
        profile = admin.get(f"/u/{objects[kind].username}").get_data(as_text=True)
        assert f"CANARY{kind.upper()}REPLY" in profile  # the voice's activity
        if kind != "public":
            assert f"Canary{kind}" in profile  # the voice's name
        idea_page = admin.get(f"/t/{objects[kind].idea_id}").get_data(as_text=True)
        assert f"INTERNALNOTE{kind.upper()}" in idea_page
        assert f"CANARY{kind.upper()}IDEA" in notifications
        assert f"invited you to join <strong>{world.spaces[kind].name}</strong>" in notifications
    # Mention suggestions in the public topic: the admin has seen the members known
    # only inside the closed and employee spaces, whom the matrix hides from others.
    suggestions = admin.get(f"/mentions?topic_id={objects['public'].topic_id}&q=canary").get_json()
    names = {user["display_name"] for user in suggestions["users"]}
    assert names == {"Zed Canaryclosed", "Yan Canaryemployee"}


def test_leak_matrix_notification_mail_and_digests_hold_only_what_each_persona_reads(
    app, world, report_figure
):
    """Every persona gets mail (at once, daily and weekly) about every space's canary
    idea, as members who lost access would: what is sent holds no canary of a space
    they cannot read, and the admin's mail holds all of them (the recall control)."""
    _objects, canaries = _seed_canaries(world)
    users = {persona: user for persona, user in world.users.items() if user is not None}
    for number, (_persona, user) in enumerate(sorted(users.items())):
        frequency = (EmailFrequency.IMMEDIATELY, EmailFrequency.DAILY, EmailFrequency.WEEKLY)[
            number % 3
        ]
        notification_preferences.set_email_preferences(
            user, {NotificationKind.IDEA_STATUS: frequency, NotificationKind.INVITE: frequency}
        )
    seeded = db.session.scalars(
        sa.select(Notification.id).where(Notification.user_id.in_([u.id for u in users.values()]))
    ).all()
    outbox_service.queue_notification_mail(seeded)
    db.session.commit()
    sent = sent_mail(app, now=datetime.now(UTC) + timedelta(days=8))

    leaks, scanned = [], 0
    for persona, user in users.items():
        hidden = [
            canary
            for column, kind in enumerate(SPACE_KINDS)
            if not READ[persona][column]
            for canary in canaries[kind]
        ]
        for message in (m for m in sent if m.to == user.email):
            scanned += 1
            text = f"{message.subject}\n{message.body}"
            leaks += [
                f"{persona}: {canary} in {message.subject!r}" for canary in hidden if canary in text
            ]
    admin_mail = "\n".join(m.subject + m.body for m in sent if m.to == users["admin"].email)
    report_figure(
        f"FIGURE leak-matrix-mail personas={len(users)} messages={scanned} leaks={len(leaks)}"
    )
    assert leaks == []
    assert scanned >= len(users) - 1  # everyone confirmed got mail (the unconfirmed: none)
    assert not [m for m in sent if m.to == users["unconfirmed"].email]
    for kind in SPACE_KINDS:
        assert f"CANARY{kind.upper()}IDEA" in admin_mail, kind
