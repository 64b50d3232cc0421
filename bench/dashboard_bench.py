"""Time the community health dashboard on a large data set (``bench/dashboard_seed.py``).

    DATABASE_URL=sqlite:////tmp/hearth-bench.db .venv/bin/python -m bench.dashboard_bench

Signs in as an admin (every space) and as an employee (public and employee spaces,
and three closed ones), then fetches the dashboard, its four charts and its CSV for
the default four weeks, a quarter and two years. Prints the median of several runs
of each (wall time, and the CPU time of this process, which holds SQLite too: on a
shared, busy machine the wall time mostly measures the others), and the queries each
page ran. Figures for the report, not a test.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from sqlalchemy import event, select

from community import create_app
from community.accounts.models import User
from community.database import utcnow
from community.extensions import db

RUNS = 5
PATHS = (
    "/dashboard",
    "/dashboard/charts/respond.svg",
    "/dashboard/charts/listen.svg",
    "/dashboard/charts/cocreate.svg",
    "/dashboard/charts/community.svg",
    "/dashboard/export.csv",
)
VIEWERS = {"admin": "bench1", "employee": "bench2"}


def main() -> None:
    app = create_app()
    app.config.update(WTF_CSRF_ENABLED=False, RATE_LIMITS_ENABLED=False)
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    today = utcnow().date()
    ranges = {
        "4 weeks": "",
        "quarter": f"?since={today - timedelta(days=90)}",
        "2 years": f"?since={today - timedelta(days=730)}",
    }
    for viewer, username in VIEWERS.items():
        client = app.test_client()
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username_lower == username))
            if user is None:
                raise SystemExit("Seed the data set first: python -m bench.dashboard_seed")
            session_id = user.get_id()
        # The seeded accounts have no usable password: sign in through the session.
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        for label, query in ranges.items():
            for path in PATHS:
                url = path + query
                client.get(url)  # warm the page cache of the database
                times, cpu_times = [], []
                for _ in range(RUNS):
                    statements.clear()
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                    cpu_times.append(time.process_time() - cpu_started)
                    if response.status_code != 200:
                        raise SystemExit(f"{url} answered {response.status_code}")
                print(
                    f"BENCH dashboard viewer={viewer} range={label.replace(' ', '-')} "
                    f"path={path} median_ms={statistics.median(times) * 1000:.0f} "
                    f"max_ms={max(times) * 1000:.0f} "
                    f"cpu_median_ms={statistics.median(cpu_times) * 1000:.0f} "
                    f"queries={len(statements)}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
