"""Hearth: a community platform a company owns.

``create_app`` builds the Flask application: configuration, extensions, blueprints,
error pages, security headers and the ``hearth`` CLI.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from flask import Flask

from community.logs import make_handler
from config import BASE_DIR, CONFIGS, Config

log = logging.getLogger(__name__)


def create_app(config_name_or_object: str | type[Config] | object | None = None) -> Flask:
    """Build the application for a configuration name, class or object.

    Without an argument the name comes from ``HEARTH_CONFIG`` (default
    ``development``). Raises RuntimeError when production has no SECRET_KEY.
    """
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    if config_name_or_object is None:
        config_name_or_object = os.environ.get("HEARTH_CONFIG", "development")
    if isinstance(config_name_or_object, str):
        if config_name_or_object not in CONFIGS:
            raise RuntimeError(
                f"Unknown configuration {config_name_or_object!r}; use one of {sorted(CONFIGS)}."
            )
        config_name_or_object = CONFIGS[config_name_or_object]
    app.config.from_object(config_name_or_object)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set; refusing to start without one.")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # pysqlite's timeout is SQLite's busy timeout: how long a connection waits for
        # the write lock (BEGIN IMMEDIATE) before "database is locked".
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "timeout": app.config["SQLITE_BUSY_TIMEOUT_SECONDS"],
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_templates(app)

    from community import cli, errors_pages, health, ratelimit, security

    security.init_security(app)
    ratelimit.init_rate_limits(app)
    errors_pages.register_error_pages(app)
    health.init_health(app)
    cli.register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    # key=value lines, one event per line: easy to grep and to ship to a collector.
    # A host that configured logging already (a test runner, a supervisor) keeps it.
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(make_handler())
        root.setLevel(logging.INFO)


def _init_extensions(app: Flask) -> None:
    from community.accounts.models import AnonymousViewer
    from community.accounts.queries import load_user_for_session
    from community.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.anonymous_user = AnonymousViewer
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user_for_session)


def _register_blueprints(app: Flask) -> None:
    from community.accounts.views import bp as accounts_bp
    from community.answers.views import bp as answers_bp
    from community.dashboard.views import bp as dashboard_bp
    from community.groups.views import bp as groups_bp
    from community.ideas.views import bp as ideas_bp
    from community.invites.views import bp as invites_bp
    from community.moderation.audit_views import bp as audit_bp
    from community.moderation.review_views import bp as review_bp
    from community.notifications.views import bp as notifications_bp
    from community.onboarding.views import bp as onboarding_bp
    from community.profiles.views import bp as profiles_bp
    from community.sanctions.views import bp as sanctions_bp
    from community.search.views import bp as search_bp
    from community.spaces.views import bp as spaces_bp
    from community.tags.views import bp as tags_bp
    from community.topics.views import bp as topics_bp
    from community.trust.views import bp as trust_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(answers_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(ideas_bp)
    app.register_blueprint(invites_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(onboarding_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(spaces_bp)
    app.register_blueprint(tags_bp)
    app.register_blueprint(topics_bp)
    app.register_blueprint(trust_bp)
    app.register_blueprint(sanctions_bp)


def _register_templates(app: Flask) -> None:
    from community import policy
    from community.markdown import render_snippet, stored_html
    from community.notifications.messages import notification_path
    from community.notifications.queries import unread_count
    from community.onboarding.queries import show_getting_started
    from community.sanctions.services import describe_end
    from community.topics.urls import post_url

    app.jinja_env.globals.update(policy.TEMPLATE_PREDICATES)
    # The header's badge: one COUNT per page, for signed-in members only.
    app.jinja_env.globals["unread_notification_count"] = unread_count
    # The header's link to the welcome checklist, in a member's first weeks (no query).
    app.jinja_env.globals["show_getting_started"] = show_getting_started
    app.jinja_env.globals["notification_path"] = notification_path
    app.jinja_env.globals["post_url"] = post_url
    # "until 8 December 2026, 12:00 UTC" or "until a moderator lifts it".
    app.jinja_env.globals["sanction_end"] = describe_end
    app.jinja_env.filters["stored_html"] = stored_html
    app.jinja_env.filters["snippet"] = render_snippet
    app.jinja_env.filters["datetime"] = _format_datetime
    app.jinja_env.filters["isodatetime"] = lambda value: value.isoformat() if value else ""
    app.jinja_env.autoescape = True


def _format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%-d %b %Y, %H:%M UTC")
