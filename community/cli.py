"""``flask --app wsgi hearth ...``: administration commands."""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from community import benchdata, demo
from community.accounts import services as account_services
from community.backup import BackupRefused, backup_sqlite
from community.dashboard import services as dashboard_services
from community.dashboard.attention import AttentionRules
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.ideas import services as idea_services
from community.notifications import outbox
from community.profiles import services as profile_services
from community.trust import services as trust_services

log = logging.getLogger(__name__)

hearth = AppGroup("hearth", help="Hearth administration commands.")


@hearth.command("create-admin")
@click.option("--email", prompt=True, help="The admin's e-mail address.")
@click.option("--username", prompt=True, help="The admin's username.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given (preferred: it stays out of shell history).",
)
@click.option("--display-name", default="", help="Shown beside posts; the username if empty.")
def create_admin_command(email: str, username: str, password: str, display_name: str) -> None:
    """Create a confirmed admin account."""
    try:
        user = account_services.create_admin(
            email=email, username=username, password=password, display_name=display_name
        )
    except ValidationFailed as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created admin {user.username} <{user.email}>.")


@hearth.command("trust-levels")
def trust_levels_command() -> None:
    """Re-evaluate every member's trust level (run daily: level 3 looks back over a
    window, and is kept a minimum time once reached)."""
    moved = trust_services.evaluate_all(progress=click.echo)
    summary = ", ".join(f"{count} to level {level}" for level, count in sorted(moved.items()))
    click.echo(f"Trust levels evaluated: {summary or 'no changes'}.")


def _refresh_trending() -> int:
    started = time.monotonic()
    updated = idea_services.recount_recent_votes()
    db.session.commit()
    log.info("ideas.trending_recounted ideas=%s seconds=%.2f", updated, time.monotonic() - started)
    return updated


@hearth.command("refresh-trending")
def refresh_trending_command() -> None:
    """Recount the votes of the last days behind the idea boards' trending sort (the
    mail worker does it every RECENT_VOTES_REFRESH_SECONDS; this is for cron or now)."""
    updated = _refresh_trending()
    click.echo(f"Trending votes recounted for {updated:,} ideas.")


@hearth.command("demo")
def demo_command() -> None:
    """Fill the database with a demo community (safe to run twice)."""
    created = demo.load_demo_data(progress=click.echo)
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo("")
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for username, _display_name, email, role, is_employee, note in demo.DEMO_USERS:
        badges = role + (", employee" if is_employee else "")
        click.echo(f"  {username:<8} {email:<32} {badges:<20} {note}")


@hearth.command("seed-bench")
@click.option("--spaces", default=benchdata.Sizes.spaces, show_default=True)
@click.option("--topics", default=benchdata.Sizes.topics, show_default=True)
@click.option("--posts", default=benchdata.Sizes.posts, show_default=True)
@click.option("--members", default=benchdata.Sizes.members, show_default=True)
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Multiply topics and posts (10: 2,000,000 posts).",
)
@click.option("--seed", default=benchdata.DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option("--force", is_flag=True, help="Delete the content there is first (never production).")
def seed_bench_command(
    spaces: int, topics: int, posts: int, members: int, scale: int, seed: int, force: bool
) -> None:
    """Fill an empty database with the standard benchmark data set."""
    sizes = benchdata.Sizes(spaces, topics, posts, members).scaled(scale)
    click.echo(
        f"seed-bench: {sizes.spaces} spaces, {sizes.topics:,} topics, {sizes.posts:,} posts, "
        f"{sizes.members:,} members into {db.engine.url.render_as_string(hide_password=True)}"
    )
    try:
        report = benchdata.seed_bench(
            sizes,
            force=force,
            is_production=current_app.config.get("ENV_NAME") == "production",
            seed=seed,
            password_hash=account_services.hash_password(benchdata.BENCH_PASSWORD),
            progress=click.echo,
        )
    except (benchdata.SeedRefused, ValueError) as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(
        f"Seeded in {report.seconds:.1f} s. Sign in as {benchdata.BENCH_USERNAME} / "
        f"{benchdata.BENCH_PASSWORD} (employee, member of every closed space)."
    )


@hearth.command("send-mail")
@click.option("--forever", is_flag=True, help="Keep running: a worker that drains the outbox.")
@click.option(
    "--sleep",
    type=float,
    default=None,
    help="Seconds between passes with --forever (default MAIL_WORKER_SLEEP_SECONDS).",
)
def send_mail_command(forever: bool, sleep: float | None) -> None:
    """Send the queued e-mail (and due digests) once, or keep doing it with --forever.

    The worker is the site's one long-running process, so with --forever it also
    recounts the idea boards' trending votes every RECENT_VOTES_REFRESH_SECONDS.
    """
    if not forever:
        report = outbox.deliver_outbox(progress=click.echo)
        click.echo(f"mail: {report.summary()} pending={outbox.pending_count()}")
        return
    pause = sleep if sleep is not None else current_app.config["MAIL_WORKER_SLEEP_SECONDS"]
    stopping = []
    # SIGTERM (a service manager, `make run` ending) finishes the message in hand.
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    log.info("mail.worker_started sleep=%s backend=%s", pause, current_app.config["MAIL_BACKEND"])
    refresh_every = current_app.config["RECENT_VOTES_REFRESH_SECONDS"]
    next_refresh = time.monotonic()
    try:
        while not stopping:
            try:
                if time.monotonic() >= next_refresh:
                    _refresh_trending()
                    next_refresh = time.monotonic() + refresh_every
                report = outbox.deliver_outbox()
            except OperationalError as error:
                # The database went away (a restart, a lock held too long): try later.
                db.session.rollback()
                log.warning("mail.worker_database_error error=%r", str(error)[:200])
            else:
                if report.handled or report.digests:
                    click.echo(f"mail: {report.summary()}")
            time.sleep(pause)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the worker between passes, as SIGTERM does
    log.info("mail.worker_stopped")


@hearth.command("send-weekly-summary")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as on this day (UTC; default today): the summary covers the week before.",
)
def send_weekly_summary_command(today: datetime | None) -> None:
    """E-mail last week's community health summary to staff who asked for it.

    Safe to run twice: nobody gets the same week twice. Run it weekly (cron, Monday).
    """
    day = today.date() if today else utcnow().date()
    # Links in the mail point at BASE_URL, as every other e-mail's do.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        dashboard_url = url_for("dashboard.index", _external=True)
        click.echo(f"Weekly summary for the week before {day.isoformat()}:")
        run = dashboard_services.send_weekly_summaries(
            today=day,
            dashboard_url=dashboard_url,
            rules=AttentionRules.from_config(current_app.config),
            progress=click.echo,
        )
    click.echo(f"Sent {run.sent}, skipped {run.skipped}.")


@hearth.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--timeout",
    default=600.0,
    show_default=True,
    help="Seconds after which the copy is stopped and nothing is kept.",
)
def backup_command(destination: Path, timeout: float) -> None:
    """Copy the SQLite database to DESTINATION while the site keeps running."""
    click.echo(f"Copying the database to {destination} ...")
    try:
        report = backup_sqlite(
            destination,
            timeout_seconds=timeout,
            progress=lambda elapsed: click.echo(f"  still copying, {elapsed:.0f} s"),
        )
    except BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(
        f"Backup written: {report.path} ({report.size_bytes / 1_048_576:.1f} MiB, "
        f"{report.seconds:.1f} s, integrity {report.integrity})."
    )


@hearth.command("purge-exports")
def purge_exports_command() -> None:
    """Delete members' data archives whose download links have expired (run daily)."""
    removed = profile_services.purge_expired_exports()
    click.echo(f"Deleted {removed} expired archive{'s' if removed != 1 else ''}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(hearth)
