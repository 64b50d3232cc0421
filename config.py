"""Configuration classes, read from environment variables.

`create_app()` picks one by name (``development``, ``testing``, ``production``) from
its argument or from ``HEARTH_CONFIG``; every setting a deployment changes comes from
the environment so that the same code runs on a laptop and behind gunicorn.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# One megabyte is ample for a post (bodies are capped far below it); uploads get
# their own limit when they land.
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024


def _env_list(name: str) -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(item.strip().lower() for item in raw.split(",") if item.strip())


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hearth.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # How long a SQLite write waits for the one write lock before the request gets a
    # "busy, try again" page (503). Writes are short; under a burst they queue, and
    # waiting beats failing.
    SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "30"))
    REDIS_URL = os.environ.get("REDIS_URL")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    EMPLOYEE_EMAIL_DOMAINS = _env_list("EMPLOYEE_EMAIL_DOMAINS")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console | smtp | memory
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Hearth <no-reply@localhost>")
    MAIL_TIMEOUT_SECONDS = int(os.environ.get("MAIL_TIMEOUT_SECONDS", "30"))
    # The outbox worker (`flask hearth send-mail`): a failed message waits
    # MAIL_RETRY_SECONDS, then four times longer after each further failure, and is
    # given up after MAIL_MAX_ATTEMPTS; a claimed row whose worker died is taken again
    # after MAIL_CLAIM_LEASE_SECONDS.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "60"))
    MAIL_CLAIM_LEASE_SECONDS = int(os.environ.get("MAIL_CLAIM_LEASE_SECONDS", "600"))
    MAIL_BATCH_SIZE = int(os.environ.get("MAIL_BATCH_SIZE", "50"))
    MAIL_WORKER_SLEEP_SECONDS = float(os.environ.get("MAIL_WORKER_SLEEP_SECONDS", "5"))
    # How often `send-mail --forever` recounts the votes behind the trending sort, so
    # that votes older than its 14 days leave it (new votes count at once).
    RECENT_VOTES_REFRESH_SECONDS = _env_int("RECENT_VOTES_REFRESH_SECONDS", 3600)

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH))
    # werkzeug's current default (scrypt); tests swap in a cheap method for speed.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - an algorithm name
    CONFIRM_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 3600
    TOPICS_PER_PAGE = 30
    POSTS_PER_PAGE = 50

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    # A signed-in session ends after this long without a request (Flask checks the
    # signed cookie's age; every request renews it). Remember-me brings the member
    # back until the absolute limit below.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # However active, a sign-in (and its remember-me cookie) ends after this long.
    SESSION_ABSOLUTE_LIFETIME = timedelta(days=30)
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SEND_HSTS = False

    # Rate limits (Flask-Limiter notation), from Discourse's defaults. Counted in
    # Redis when REDIS_URL is set, else in this process's memory.
    RATE_LIMITS_ENABLED = _env_bool("RATE_LIMITS_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # A sliding window: no burst of twice the limit across a window boundary.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    RATELIMIT_SIGN_IN_PER_ADDRESS = "6 per minute; 30 per hour"
    RATELIMIT_SIGN_IN_PER_ACCOUNT = "10 per 15 minutes"
    RATELIMIT_SIGN_IN_PER_ACCOUNT_ANYWHERE = "100 per hour"
    RATELIMIT_SIGN_UP = "3 per day"
    RATELIMIT_PASSWORD_RESET = "3 per hour"  # noqa: S105 - a rate, not a password
    RATELIMIT_NEW_TOPIC = "1 per 15 seconds; 30 per day"
    RATELIMIT_NEW_REPLY = "1 per 5 seconds; 200 per day"
    RATELIMIT_CONFIRMATION_MAIL = "3 per hour"
    # Invites made per member, an e-mailed one counting once per address.
    RATELIMIT_INVITES = "50 per day"
    # Every search is a full-text query; signed-in members get twice a visitor's share.
    RATELIMIT_SEARCH_ANONYMOUS = "15 per minute"
    RATELIMIT_SEARCH_MEMBER = "30 per minute"
    # Opening or using invite links, per address: tokens are unguessable, and this
    # keeps anyone from trying.
    RATELIMIT_INVITE_LINK = "30 per hour"
    # The community health dashboard's "needs attention": questions waiting longer
    # than the response target for a staff reply, open ideas with this many votes and
    # no official response, join requests waiting this many days.
    DASHBOARD_RESPONSE_TARGET_HOURS = int(os.environ.get("DASHBOARD_RESPONSE_TARGET_HOURS", "24"))
    DASHBOARD_IDEA_VOTES_ATTENTION = int(os.environ.get("DASHBOARD_IDEA_VOTES_ATTENTION", "5"))
    DASHBOARD_JOIN_REQUEST_DAYS = int(os.environ.get("DASHBOARD_JOIN_REQUEST_DAYS", "3"))
    # Flags: members at this trust level or above may flag posts (1: "basic", after
    # some reading), and this many open flags from them hide a post until a
    # moderator reviews it.
    FLAG_MIN_TRUST_LEVEL = int(os.environ.get("FLAG_MIN_TRUST_LEVEL", "1"))
    FLAGS_TO_HIDE = int(os.environ.get("FLAGS_TO_HIDE", "3"))
    # New sign-ups wait in the review queue, unable to sign in, until a moderator
    # approves them (off: every confirmed sign-up may sign in).
    REQUIRE_SIGNUP_APPROVAL = os.environ.get("REQUIRE_SIGNUP_APPROVAL", "").lower() in (
        "1", "true", "yes", "on",
    )  # fmt: skip
    # Trust levels, earned automatically (Discourse's defaults); level 4 (leader) is
    # given by hand. Level 1, basic: topics entered, posts read, minutes reading.
    TRUST_BASIC_TOPICS_ENTERED = _env_int("TRUST_BASIC_TOPICS_ENTERED", 5)
    TRUST_BASIC_POSTS_READ = _env_int("TRUST_BASIC_POSTS_READ", 30)
    TRUST_BASIC_READING_MINUTES = _env_int("TRUST_BASIC_READING_MINUTES", 10)
    # Level 2, member: also days visited, topics replied in, votes given and received
    # (answer and idea votes stand in for likes).
    TRUST_MEMBER_DAYS_VISITED = _env_int("TRUST_MEMBER_DAYS_VISITED", 15)
    TRUST_MEMBER_TOPICS_ENTERED = _env_int("TRUST_MEMBER_TOPICS_ENTERED", 20)
    TRUST_MEMBER_POSTS_READ = _env_int("TRUST_MEMBER_POSTS_READ", 100)
    TRUST_MEMBER_READING_MINUTES = _env_int("TRUST_MEMBER_READING_MINUTES", 60)
    TRUST_MEMBER_TOPICS_REPLIED = _env_int("TRUST_MEMBER_TOPICS_REPLIED", 3)
    TRUST_MEMBER_LIKES_GIVEN = _env_int("TRUST_MEMBER_LIKES_GIVEN", 1)
    TRUST_MEMBER_LIKES_RECEIVED = _env_int("TRUST_MEMBER_LIKES_RECEIVED", 1)
    # Level 3, regular: over the last TRUST_REGULAR_WINDOW_DAYS, kept at least
    # TRUST_REGULAR_KEEP_DAYS once reached (`flask hearth trust-levels` re-checks it).
    TRUST_REGULAR_WINDOW_DAYS = _env_int("TRUST_REGULAR_WINDOW_DAYS", 100)
    TRUST_REGULAR_DAYS_VISITED = _env_int("TRUST_REGULAR_DAYS_VISITED", 50)
    TRUST_REGULAR_TOPICS_REPLIED = _env_int("TRUST_REGULAR_TOPICS_REPLIED", 10)
    TRUST_REGULAR_MAX_POSTS_FLAGGED = _env_int("TRUST_REGULAR_MAX_POSTS_FLAGGED", 5)
    TRUST_REGULAR_KEEP_DAYS = _env_int("TRUST_REGULAR_KEEP_DAYS", 14)
    # What levels unlock: inviting (level 2). Flagging's level is the flags work's.
    TRUST_LEVEL_TO_INVITE = _env_int("TRUST_LEVEL_TO_INVITE", 2)
    # Level 0 (new) members: per post at most this many links, images and mentions;
    # on their first day (24 h from sign-up) at most this many topics and replies.
    # None switches a limit off.
    TRUST_NEW_MAX_LINKS: int | None = _env_int("TRUST_NEW_MAX_LINKS", 2)
    TRUST_NEW_MAX_IMAGES: int | None = _env_int("TRUST_NEW_MAX_IMAGES", 1)
    TRUST_NEW_MAX_MENTIONS: int | None = _env_int("TRUST_NEW_MAX_MENTIONS", 2)
    TRUST_NEW_FIRST_DAY_TOPICS: int | None = _env_int("TRUST_NEW_FIRST_DAY_TOPICS", 3)
    TRUST_NEW_FIRST_DAY_REPLIES: int | None = _env_int("TRUST_NEW_FIRST_DAY_REPLIES", 10)
    # Seconds between a member's topics and between their replies: level 0, then
    # everyone else (staff wait for nothing).
    TRUST_NEW_TOPIC_INTERVAL_SECONDS = _env_int("TRUST_NEW_TOPIC_INTERVAL_SECONDS", 120)
    TRUST_NEW_REPLY_INTERVAL_SECONDS = _env_int("TRUST_NEW_REPLY_INTERVAL_SECONDS", 30)
    TOPIC_INTERVAL_SECONDS = _env_int("TOPIC_INTERVAL_SECONDS", 15)
    REPLY_INTERVAL_SECONDS = _env_int("REPLY_INTERVAL_SECONDS", 5)
    # The topic page reports reading time while it is visible: one report credits at
    # most this many seconds, and never more than passed since the last one.
    READING_REPORT_MAX_SECONDS = _env_int("READING_REPORT_MAX_SECONDS", 120)
    RATELIMIT_READING_REPORT = "20 per minute"

    # How many reverse proxies in front of the app set X-Forwarded-For (0: none, and
    # the header is ignored).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Profiles and the member's data. Who members write to about their data (the
    # export's README names it): an address or a page of the company's.
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "the administrators of this community")
    # How long an export's download link works; the archive is deleted afterwards.
    EXPORT_LINK_HOURS = int(os.environ.get("EXPORT_LINK_HOURS", "48"))
    RATELIMIT_EXPORT = "5 per day"
    # Avatar uploads are the one request allowed a larger body (community.security).
    UPLOAD_MAX_CONTENT_LENGTH = int(
        os.environ.get("UPLOAD_MAX_CONTENT_LENGTH", 5 * 1024 * 1024 + 64 * 1024)
    )


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    # A fixed development key keeps sessions across restarts of `make run`; it is
    # never used in production, which refuses to start without SECRET_KEY.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    MAIL_BACKEND = "memory"
    # Tests sign in hundreds of times from one address; the rate-limit tests turn
    # the limiter back on in an app of their own.
    RATE_LIMITS_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - an algorithm name
    BASE_URL = "http://localhost"
    EMPLOYEE_EMAIL_DOMAINS = ("staff.example",)
    # The suite's members are level 0 and post many times a second: the per-level
    # posting limits are off here, and tests/test_trust.py sets the real values.
    TRUST_NEW_MAX_LINKS = None
    TRUST_NEW_MAX_IMAGES = None
    TRUST_NEW_MAX_MENTIONS = None
    TRUST_NEW_FIRST_DAY_TOPICS = None
    TRUST_NEW_FIRST_DAY_REPLIES = None
    TRUST_NEW_TOPIC_INTERVAL_SECONDS = 0
    TRUST_NEW_REPLY_INTERVAL_SECONDS = 0
    TOPIC_INTERVAL_SECONDS = 0
    REPLY_INTERVAL_SECONDS = 0


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure,
    # host-only and path=/, so a sibling subdomain cannot plant or read it.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember"
    PREFERRED_URL_SCHEME = "https"
    SEND_HSTS = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
