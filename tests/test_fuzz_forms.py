"""Random and malformed input to every form never gives a 500.

Hypothesis draws form bodies from every field name the app's forms use (prefixed
ones included) with hostile text: control characters, NUL, surrogates' neighbours,
huge strings, list-valued fields. Each POST route, as an admin (the persona that
reaches the most code) and anonymously, with a valid CSRF token so the forms are
really processed. Every request runs in a savepoint rolled back afterwards.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.extensions import db
from tests.conftest import csrf_token_from, page_with_csrf_token
from tests.test_leak_matrix import ROUTES, Objects, _seed_canaries

FIELD_NAMES = [
    "title", "body", "email", "username", "display_name", "password", "login", "remember",
    "pw-current_password", "pw-new_password", "em-new_email", "em-password",
    "name", "slug", "description", "visibility", "is_listed", "role", "is_employee",
    "value", "next", "status", "response", "target", "level", "kind", "tags",
    "idea_board", "idea_vote_budget",
    "emails", "spaces", "group", "max_uses", "days", "submission_token", "back",
    "allows_member_invites", "accepts_requests", "space", "message", "note",
    "guidelines", "welcome_space", "dn-display_name",
    "bio", "company", "job_title", "location", "website", "bio_visibility",
    "company_visibility", "location_visibility", "avatar_visibility", "field_1",
    "field_1_visibility", "label", "hint", "options", "is_required", "default_visibility",
    "reason", "posts",
]  # fmt: skip
POST_ENDPOINTS = sorted(endpoint for endpoint, route in ROUTES.items() if route.post)

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["", " ", "\x00", "\r\n", "' OR 1=1 --", "<script>alert(1)</script>",
                     "%s%s%n", "../../etc/passwd", "on", "off", "y", "admin", "closed"]),
    # Long input is built, not drawn character by character (Hypothesis's data limit).
    st.tuples(st.sampled_from("x<\u00e9\U0001f600 "), st.integers(5_000, 40_000)).map(
        lambda pair: pair[0] * pair[1]
    ),
)  # fmt: skip
form_bodies = st.dictionaries(
    st.sampled_from(FIELD_NAMES), st.one_of(hostile_text, st.lists(hostile_text, max_size=3))
)


@pytest.mark.parametrize("persona", ["admin", "anonymous"])
@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_form_never_errors_when_given_random_input(
    app, database, world, client_as, endpoint, persona
):
    objects, _ = _seed_canaries(world)
    kind_objects: Objects = objects["public"]
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    path = rule.build(ROUTES[endpoint].fill(kind_objects), append_unknown=False)[1]
    client = client_as(persona)
    token = csrf_token_from(page_with_csrf_token(client, "/"))
    session_cookie = client.get_cookie("session").value

    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        # The client and the transaction are shared on purpose; each example is
        # isolated by its own savepoint.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=form_bodies)
    def post_random_form(body: dict) -> None:
        client.set_cookie("session", session_cookie)
        savepoint = database.begin_nested()
        try:
            response = client.post(path, data={**body, "csrf_token": token})
        finally:
            savepoint.rollback()
            db.session.expire_all()
        assert response.status_code < 500, (endpoint, body, response.status_code)

    post_random_form()
