"""Benchmark Hearth's main pages beside hello-world Flask and FlaskBB 2.2.0, in one run.

    .venv/bin/python -m bench.run                       # SQLite and PostgreSQL, 200,000 posts
    .venv/bin/python -m bench.run --databases sqlite --scales 1,10
    DURATION=15 WARMUP=3 .venv/bin/python -m bench.run --no-flaskbb

For each database and size it seeds a Hearth database once (``hearth seed-bench``; kept
under ``HEARTH_BENCH_DIR`` or as ``hearth_bench_<scale>`` on ``HEARTH_BENCH_PG``) and
serves it with gunicorn (2 sync workers, 127.0.0.1 only, the production config), signs
in as the bench member (an employee in every closed space), and measures every page as
an anonymous reader and as that member with the peers' ``bench.sh`` (wrk). The same
gunicorn serves the peers' hello-world app, the ceiling for this stack; FlaskBB is
installed, seeded with the same sizes and reindexed once into ``FLASKBB_DIR`` by the
peers' scripts (``HEARTH_PEERS_DIR``, default ``../shared/peers`` beside the repository),
then measured by the same script in the same run. Prints one table (req/s, p50, p99,
fraction of hello-world, ratio to FlaskBB's equivalent page) and writes it as Markdown
to ``--out``.

Knobs (environment, passed to bench.sh): ``DURATION`` (s per page, default 5),
``WARMUP`` (s, default 1), ``CONNECTIONS`` (default 8), ``THREADS`` (default 2).
A full run of both databases at 200,000 posts takes about five minutes at the defaults.
Everything binds to 127.0.0.1; bench.sh refuses any other target.
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEERS = Path(os.environ.get("HEARTH_PEERS_DIR", REPO.parent.parent / "shared" / "peers"))
if not PEERS.is_dir():  # a checkout beside shared/, rather than a worktree under wt/
    PEERS = Path(os.environ.get("HEARTH_PEERS_DIR", REPO.parent / "shared" / "peers"))
FLASKBB_SCRIPTS = PEERS / "flaskbb"
BENCH_DIR = Path(os.environ.get("HEARTH_BENCH_DIR", "/tmp/hearth-bench"))
FLASKBB_DIR = Path(
    os.environ.get("FLASKBB_DIR", Path.home() / ".cache" / "hearth-bench" / "flaskbb")
)
PG_BASE = os.environ.get("HEARTH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
VENV_BIN = REPO / ".venv" / "bin"
HEARTH_PORT, HELLO_PORT, FLASKBB_PORT = 18300, 18301, 18302
PER_PAGE = 30  # config.TOPICS_PER_PAGE: page 500 starts after 499 pages of it
DEEP_PAGE = 500
BENCH_DEFAULTS = {"DURATION": "5", "WARMUP": "1", "CONNECTIONS": "8", "THREADS": "2"}
SEED_COMMAND = ("seed-bench", "--force", "--scale")
SECRET = "bench-only-not-secret"  # noqa: S105 - a throwaway key for a loopback server


# Prints the cursor (``after=``) of the topic that ends the page before page 500.
DEEP_PAGE_CURSOR = """
import sys
from sqlalchemy import select
from community.extensions import db
from community.spaces.models import Space
from community.topics.models import Topic
from community.topics.queries import TopicCursor
space = db.session.scalar(select(Space).where(Space.slug == "general"))
row = db.session.execute(
    select(Topic.last_posted_at, Topic.id)
    .where(Topic.space_id == space.id, Topic.deleted_at.is_(None), Topic.is_pinned.is_(False))
    .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
    .offset(int(sys.argv[1])).limit(1)
).one()
print(TopicCursor(row[0], row[1]).encode())
"""


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    flaskbb: str | None  # FlaskBB's equivalent page, or None when it has none


@dataclass
class Result:
    label: str  # e.g. "sqlite 200k"
    page: str
    role: str
    status: str
    size: str
    rps: float
    p50: float
    p99: float
    errors: str


def load_average() -> str:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"{one} {five} {fifteen}"


def hearth_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        HEARTH_CONFIG="production",
        SECRET_KEY=SECRET,
        # The limiter would answer 429 to wrk's thousands of searches from one address.
        RATE_LIMITS_ENABLED="false",
    )
    return env


def database_url(kind: str, scale: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{BENCH_DIR}/sqlite-{scale}.db"
    return f"{PG_BASE}/hearth_bench_{scale}"


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
        cwd=REPO,
        env=hearth_env(url) | {"HEARTH_CONFIG": "development"},
        check=False,
        text=True,
        capture_output=True,
    )


def python(url: str, code: str, *args: str) -> str:
    """Run ``code`` in Hearth's app context on ``url``; return what it prints."""
    wrapped = "from community import create_app\nwith create_app().app_context():\n" + "".join(
        f"    {line}\n" for line in code.strip().splitlines()
    )
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-c", wrapped, *args],
        cwd=REPO,
        env=hearth_env(url) | {"HEARTH_CONFIG": "development"},
        check=True,
        text=True,
        capture_output=True,
    )
    return done.stdout.strip()


def ensure_hearth_database(kind: str, scale: int) -> str:
    """Seed the database for this size unless a finished seed is there already."""
    url = database_url(kind, scale)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if kind == "postgresql":
        name = url.rsplit("/", 1)[1]
        subprocess.run(
            [
                "psql",
                PG_BASE.replace("+psycopg", "") + "/postgres",
                "-qc",
                f"CREATE DATABASE {name}",
            ],
            check=False,
            capture_output=True,
        )
    marker = BENCH_DIR / f"{kind}-{scale}.seeded"
    if marker.exists():
        return url
    upgraded = flask(url, "db", "upgrade")
    if upgraded.returncode:
        sys.exit(upgraded.stderr[-2000:])
    print(f"[seed] {kind} scale {scale}: hearth seed-bench --scale {scale} --force", flush=True)
    started = time.monotonic()
    seeded = subprocess.run(
        [*(str(VENV_BIN / "flask"), "--app", "wsgi", "hearth"), *SEED_COMMAND, str(scale)],
        cwd=REPO,
        env=hearth_env(url) | {"HEARTH_CONFIG": "development"},
        check=False,
    )
    if seeded.returncode:
        sys.exit(f"seed-bench failed on {url}")
    print(f"[seed] done in {time.monotonic() - started:.0f} s", flush=True)
    marker.write_text(f"{time.monotonic() - started:.1f}\n")
    return url


def hearth_pages(url: str) -> list[Page]:
    """The pages, with the cursor of page 500 of the big space read from the database."""
    offset = (DEEP_PAGE - 1) * PER_PAGE - 1
    cursor = python(url, DEEP_PAGE_CURSOR, str(offset))
    return [
        Page("home", "/", "/"),
        Page("space topics, page 1", "/s/general", "/forum/1"),
        Page(f"space topics, page {DEEP_PAGE}", f"/s/general?after={cursor}", "/forum/1?page=500"),
        Page("topic, 100 posts (page 1)", "/t/1", "/topic/1"),
        Page("ideas, top", "/s/general/ideas?sort=top", None),
        Page("ideas, trending", "/s/general/ideas?sort=trending", None),
        Page("search (50 hits)", "/search?q=zephyrine", "/search"),
    ]


def serve(port: int, module: str, *, chdir: Path, env: dict[str, str]) -> subprocess.Popen:
    log = open(BENCH_DIR / f"gunicorn-{port}.log", "a")  # noqa: SIM115 - lives with the server
    server = subprocess.Popen(
        [
            *(str(VENV_BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync"),
            *("--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning"),
            module,
        ],
        env=env,
        stdout=log,
        stderr=log,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server  # it answers, whatever the status
        except OSError:
            if server.poll() is not None:
                sys.exit(f"gunicorn on {port} exited; see {log.name}")
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"gunicorn on {port} did not answer")


def stop(server: subprocess.Popen) -> None:
    server.terminate()  # the master stops its workers
    server.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the form; return the session cookie as ``name=value``."""
    opener = urllib.request.build_opener(_NoRedirect)
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login", timeout=10)
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())[1]
    form = urllib.parse.urlencode(
        {"login": username, "password": password, "csrf_token": html.unescape(token)}
    ).encode()
    request = urllib.request.Request(f"{base}/login", data=form, headers={"Cookie": cookie})  # noqa: S310
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise
        return answer.headers["Set-Cookie"].split(";", 1)[0]
    sys.exit("sign-in did not redirect: wrong bench password?")


def bench(base: str, paths: list[str], *, extra: dict[str, str] | None = None) -> list[list[str]]:
    """Run the peers' bench.sh over ``paths``; return its tab-separated rows."""
    with tempfile.NamedTemporaryFile("r", suffix=".tsv") as out:
        env = dict(os.environ)
        for key, value in BENCH_DEFAULTS.items():
            env.setdefault(key, value)
        env.update(extra or {})
        env["OUT"] = out.name
        subprocess.run([str(FLASKBB_SCRIPTS / "bench.sh"), base, *paths], env=env, check=True)
        return list(csv.reader(out, delimiter="\t"))


def as_result(label: str, page: str, role: str, row: list[str]) -> Result:
    _base, _method, _path, code, size, rps, p50, p99, errors, _frac = row
    return Result(label, page, role, code, size, float(rps or 0), float(p50), float(p99), errors)


def ensure_flaskbb() -> None:
    if (FLASKBB_DIR / ".seeded").exists():
        return
    print(f"[flaskbb] install, seed, reindex into {FLASKBB_DIR} (about 5 minutes)", flush=True)
    subprocess.run([str(FLASKBB_SCRIPTS / "install.sh"), str(FLASKBB_DIR)], check=True)
    subprocess.run(
        [sys.executable, str(FLASKBB_SCRIPTS / "seed.py"), str(FLASKBB_DIR / "flaskbb.sqlite")],
        check=True,
    )
    env = dict(os.environ, PATH=f"{FLASKBB_DIR / 'venv' / 'bin'}:{os.environ['PATH']}")
    subprocess.run(
        ["flaskbb", "--config", str(FLASKBB_DIR / "flaskbb.cfg"), "reindex"], env=env, check=True
    )
    (FLASKBB_DIR / ".seeded").touch()


def bench_flaskbb(pages: list[Page]) -> dict[str, Result]:
    ensure_flaskbb()
    server = subprocess.run(
        [
            str(FLASKBB_SCRIPTS / "serve.sh"),
            str(FLASKBB_PORT),
            "wsgi_flaskbb:app",
            str(FLASKBB_DIR),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    master = int(server.stdout.strip().splitlines()[-1])
    results = {}
    try:
        base = f"http://127.0.0.1:{FLASKBB_PORT}"
        gets = [page for page in pages if page.flaskbb and page.flaskbb != "/search"]
        for page, row in zip(gets, bench(base, [page.flaskbb for page in gets]), strict=True):
            results[page.name] = as_result("flaskbb", page.name, "anonymous", row)
        # FlaskBB's search is a CSRF-protected POST: a token and its session cookie.
        opener = urllib.request.build_opener()
        form_page = opener.open(f"{base}/search", timeout=30)
        cookie = form_page.headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form_page.read().decode())[1]
        body = f"csrf_token={token}&search_query=zephyrine&search_types=post"
        [row] = bench(base, ["/search"], extra={"METHOD": "POST", "BODY": body, "COOKIE": cookie})
        search = next(page for page in pages if page.flaskbb == "/search")
        results[search.name] = as_result("flaskbb", search.name, "anonymous", row)
    finally:
        os.kill(master, 15)
    return results


def bench_hello() -> Result:
    server = serve(HELLO_PORT, "hello:app", chdir=FLASKBB_SCRIPTS, env=dict(os.environ))
    try:
        [row] = bench(f"http://127.0.0.1:{HELLO_PORT}", ["/"])
    finally:
        stop(server)
    return as_result("hello", "hello-world Flask", "anonymous", row)


def bench_hearth(kind: str, scale: int) -> tuple[list[Page], list[Result], str, str]:
    url = ensure_hearth_database(kind, scale)
    pages = hearth_pages(url)
    label = f"{kind} {200 * scale}k posts"
    load_before = load_average()
    server = serve(HEARTH_PORT, "wsgi:app", chdir=REPO, env=hearth_env(url))
    results = []
    try:
        base = f"http://127.0.0.1:{HEARTH_PORT}"
        cookie = sign_in(HEARTH_PORT, "bench", "hearth-bench-2026")
        for role, extra in (("anonymous", {}), ("member", {"COOKIE": cookie})):
            rows = bench(base, [page.path for page in pages], extra=extra)
            results += [
                as_result(label, page.name, role, row)
                for page, row in zip(pages, rows, strict=True)
            ]
    finally:
        stop(server)
    return pages, results, label, f"{load_before} → {load_average()}"


def table(
    blocks: list[tuple[str, str, list[Result]]], hello: Result, flaskbb: dict[str, Result]
) -> str:
    lines = [
        "| data | page | viewer | status | req/s | p50 ms | p99 ms | of hello | x FlaskBB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
        f"| — | {hello.page} | anonymous | {hello.status} | {hello.rps:,.1f} | {hello.p50} "
        f"| {hello.p99} | 100 % | |",
    ]
    for name, result in flaskbb.items():
        lines.append(
            f"| FlaskBB 200k | {name} | anonymous | {result.status} | {result.rps:,.1f} "
            f"| {result.p50} | {result.p99} | {100 * result.rps / hello.rps:.1f} % | 1 |"
        )
    for label, _load, results in blocks:
        for result in results:
            peer = flaskbb.get(result.page)
            ratio = f"{result.rps / peer.rps:.1f}" if peer and peer.rps else "—"
            lines.append(
                f"| {label} | {result.page} | {result.role} | {result.status} "
                f"| {result.rps:,.1f} | {result.p50} | {result.p99} "
                f"| {100 * result.rps / hello.rps:.1f} % | {ratio} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--scales", default="1", help="comma-separated: 1 = 200,000 posts")
    parser.add_argument("--no-flaskbb", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "last-run.md")
    options = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    notes = [
        f"Run {started}; bench.sh knobs "
        + ", ".join(f"{key}={os.environ.get(key, value)}" for key, value in BENCH_DEFAULTS.items())
    ]
    hello_load = load_average()
    hello = bench_hello()
    notes.append(f"hello-world: load average {hello_load} → {load_average()}")
    blocks = []
    for scale in (int(value) for value in options.scales.split(",")):
        for kind in options.databases.split(","):
            pages, results, label, load = bench_hearth(kind, scale)
            blocks.append((label, load, results))
            notes.append(f"{label}: load average {load}")
    flaskbb: dict[str, Result] = {}
    if not options.no_flaskbb:
        load = load_average()
        flaskbb = bench_flaskbb(pages)
        notes.append(f"FlaskBB: load average {load} → {load_average()}")
    report = table(blocks, hello, flaskbb) + "\n\n" + "\n".join(f"- {note}" for note in notes)
    print()
    print(report)
    options.out.write_text(report + "\n")
    print(f"\n(written to {options.out})")


if __name__ == "__main__":
    main()
