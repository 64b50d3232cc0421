"""Rate limits: who is counted, and how much each action allows.

Flask-Limiter counts in memory by default (per process: fine for one process, and
for tests) and in Redis when ``REDIS_URL`` is set, so that every worker and every
app server shares one count. The limits are settings (``RATELIMIT_*`` in
``config.py``), starting from Discourse's defaults; each view names the ones it
takes with the decorators below.

Client addresses come from ``request.remote_addr``; behind a reverse proxy,
``TRUSTED_PROXIES`` makes ProxyFix take the address the proxy saw, and only then:
otherwise anyone could pick a fresh bucket with an ``X-Forwarded-For`` header.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from community.extensions import limiter
from community.invites.services import split_addresses
from community.topics.services import find_submitted_post

log = logging.getLogger(__name__)


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _login_key() -> str:
    """The account a sign-in names, from this address: a victim elsewhere is not
    locked out by someone guessing their password."""
    login = (request.form.get("login") or "").strip().lower()[:254]
    return f"login:{login}:{get_remote_address()}"


def _account_key() -> str:
    """The account a sign-in names, from anywhere: bounds distributed guessing."""
    login = (request.form.get("login") or "").strip().lower()[:254]
    return f"account:{login}"


def _reset_email_key() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()[:254]


def _member_key() -> str:
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"address:{get_remote_address()}"


def _is_resubmission() -> bool:
    """A form sent again (double click, retry) is answered with what the first one
    made, not with a 429."""
    token = request.form.get("submission_token")
    return current_user.is_authenticated and find_submitted_post(current_user, token) is not None


def _invites_made() -> int:
    """An e-mailed invite counts once per address; a link to share counts once."""
    return max(len(split_addresses(request.form.get("emails"))), 1)


def _search_limit() -> str:
    name = (
        "RATELIMIT_SEARCH_MEMBER" if current_user.is_authenticated else "RATELIMIT_SEARCH_ANONYMOUS"
    )
    return current_app.config[name]


def _is_search_form_only() -> bool:
    """An empty query shows the form and searches nothing: it is not counted."""
    return not (request.args.get("q") or "").strip()


def _failed(response: Response) -> bool:
    # A successful sign-in redirects; anything else is a failed attempt.
    return response.status_code != 302


def _succeeded(response: Response) -> bool:
    return response.status_code == 302


sign_in_per_address = limiter.limit(
    _setting("RATELIMIT_SIGN_IN_PER_ADDRESS"), methods=["POST"], scope="sign-in-address"
)
sign_in_per_account = limiter.limit(
    _setting("RATELIMIT_SIGN_IN_PER_ACCOUNT"),
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
sign_in_per_account_anywhere = limiter.limit(
    _setting("RATELIMIT_SIGN_IN_PER_ACCOUNT_ANYWHERE"),
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account-anywhere",
)
sign_up = limiter.limit(
    _setting("RATELIMIT_SIGN_UP"), methods=["POST"], deduct_when=_succeeded, scope="sign-up"
)
password_reset_per_address = limiter.limit(
    _setting("RATELIMIT_PASSWORD_RESET"), methods=["POST"], scope="reset-address"
)
password_reset_per_account = limiter.limit(
    _setting("RATELIMIT_PASSWORD_RESET"),
    key_func=_reset_email_key,
    methods=["POST"],
    scope="reset-account",
)
new_topic = limiter.limit(
    _setting("RATELIMIT_NEW_TOPIC"),
    key_func=_member_key,
    methods=["POST"],
    deduct_when=_succeeded,
    exempt_when=_is_resubmission,
    scope="new-topic",
)
new_reply = limiter.limit(
    _setting("RATELIMIT_NEW_REPLY"),
    key_func=_member_key,
    methods=["POST"],
    deduct_when=_succeeded,
    exempt_when=_is_resubmission,
    scope="new-reply",
)
invites = limiter.limit(
    _setting("RATELIMIT_INVITES"),
    key_func=_member_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 200,
    cost=_invites_made,
    scope="invites",
)
invite_link = limiter.limit(_setting("RATELIMIT_INVITE_LINK"), scope="invite-link")
confirmation_mail = limiter.limit(
    _setting("RATELIMIT_CONFIRMATION_MAIL"), key_func=_member_key, scope="confirmation-mail"
)
# Building an archive reads everything a member ever did: a few a day is plenty.
export = limiter.limit(
    _setting("RATELIMIT_EXPORT"),
    key_func=_member_key,
    methods=["POST"],
    deduct_when=_succeeded,
    scope="export",
)
# The topic page reports reading about twice a minute; a busy reader with several
# tabs stays well inside this, and the service clamps the time claimed anyway.
reading_report = limiter.limit(
    _setting("RATELIMIT_READING_REPORT"),
    key_func=_member_key,
    methods=["POST"],
    scope="reading-report",
)
search = limiter.limit(
    _search_limit, key_func=_member_key, exempt_when=_is_search_form_only, scope="search"
)


def init_rate_limits(app: Flask) -> None:
    trusted_proxies = app.config["TRUSTED_PROXIES"]
    if trusted_proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies, x_host=trusted_proxies
        )
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    limiter.init_app(app)

    @limiter.request_filter
    def _exempt() -> bool:
        # Read per request from the app's own config: the one Limiter instance may
        # serve several apps in one process (the tests build more than one).
        if not current_app.config["RATE_LIMITS_ENABLED"]:
            return True
        return request.endpoint in ("healthz", "static")

    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def _too_many_requests(error: RateLimitExceeded) -> ResponseReturnValue:
    current = limiter.current_limit
    retry_after = max(int(current.reset_at - time.time()), 1) if current else 60
    log.info(
        "http.rate_limited method=%s path=%s limit=%r",
        request.method,
        request.path,
        str(error.limit.limit),
    )
    # Flask-Limiter adds Retry-After and X-RateLimit-* to this response after the handler.
    return render_template("errors/error.html", code=429, retry_after=retry_after), 429
