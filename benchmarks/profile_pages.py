"""Profile Samråd's measured pages in one warm process: cProfile over N requests of each
page through Flask's test client, in the production configuration, logged in as the
benchmark's reader (a representative of the newest open round's member).

    DATABASE_URL=sqlite:////tmp/perf/alliance.db PYTHONPATH=. \\
        python benchmarks/profile_pages.py [--n 50] [--pages proposals,board] [--top 25]

Prints, per page: ms a request (wall and CPU time of this process, without the
profiler), the ratio to the bare reference page (`benchmarks/reference.py`, the board's
round rendered with nothing around it: issue 18 asks every page to be at least 0.5 of
it, the board fragment 0.75), SQL statements a request, and the functions with the most
cumulative and own time.
PROFILE_DUMP=<directory> also writes each page's profile there (<page>.prof), to ask
pstats who calls what.
PROFILE_CPU=1 profiles with the process's CPU clock instead of the wall clock: time a
request spends waiting for PostgreSQL is then left out of the profile.
--split prints, instead of a profile, where a request's time went (without a profiler):
rendering its templates (less the statements they run), its SQL statements (from the
cursor's start to its end, rows not yet turned into objects), and the rest (the
request's hooks, the session and user, the view's own Python, ORM objects).
The data is `flask demo scale --preset alliance` (see benchmarks/bench.py `prepare`).
"""

import argparse
import cProfile
import functools
import gc
import io
import os
import pstats
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SAMRAAD_CONFIG", "production")
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("TOTP_REQUIRED_ROLES", "")
os.environ.setdefault("RATELIMIT_ENABLED", "false")

from flask import before_render_template, template_rendered  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from decisions import create_app  # noqa: E402
from decisions.accounts.models import Role, User  # noqa: E402
from decisions.demo.data import DEMO_PASSWORD  # noqa: E402
from decisions.extensions import db  # noqa: E402
from decisions.meetings.models import AgendaItem, Meeting, MeetingState  # noqa: E402
from decisions.proposals.models import Round, RoundMember  # noqa: E402

# a static file the app sends as it sends a stored PDF (the bench copies the PDF there)
STATIC_FILE = "js/app.js"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def discover(app) -> tuple[dict[str, str], str]:
    with app.app_context():
        moment = datetime.now(UTC)
        round_id = db.session.scalar(
            select(Round.id).where(Round.closed_at.is_(None), Round.deadline > moment)
            .order_by(Round.opened_at.desc()).limit(1))
        reader = db.session.scalar(
            select(User.email).join(RoundMember, RoundMember.member_id == User.member_id)
            .where(RoundMember.round_id == round_id, User.role == Role.REPRESENTATIVE,
                   User.active).order_by(User.id).limit(1))
        meeting = db.session.scalar(
            select(AgendaItem.meeting_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.state == MeetingState.MINUTES_APPROVED)
            .group_by(AgendaItem.meeting_id)
            .order_by(func.count().desc(), AgendaItem.meeting_id.desc()).limit(1))
        secretariat = db.session.scalar(select(User.email).where(
            User.role == Role.SECRETARIAT, User.active).order_by(User.id).limit(1))
    pages = {"proposals": "/proposals/", "round": f"/rounds/{round_id}",
             "board": f"/rounds/{round_id}/board",
             # the board built, as the first poll after a change gets it (the others
             # are sent the render kept for everyone who sees the board alike)
             "board_built": f"/rounds/{round_id}/board", "meeting": f"/meetings/{meeting}",
             "register": "/decisions/?q=felles", "search": "/search?q=felles",
             "public": "/public/", "notifications": "/notifications/", "audit": "/audit/",
             "audit_act": "/audit/?act=decision.recorded",
             # the lightest page behind the login (the unread count every page polls):
             # what every request costs before its page's own work
             "count": "/notifications/count",
             # a stored PDF against a static file (issue 18: at least 0.8 of it); the
             # scale data stores no PDFs: make the bench's meeting first (bench.build_meeting)
             "minutes_pdf": f"/meetings/{meeting}/documents/minutes.pdf",
             "static": "/static/" + STATIC_FILE,
             "reference": f"/rounds/{round_id}"}
    return pages, reader, secretariat


def login(app, base: str, email: str):
    client = app.test_client()
    html = client.get("/login", base_url=base).get_data(as_text=True)
    answer = client.post("/login", base_url=base, headers={"Referer": base + "/login"}, data={
        "email": email, "password": DEMO_PASSWORD, "csrf_token": TOKEN.search(html).group(1)})
    assert answer.status_code == 303, (email, answer.status_code)
    return client


def _built(app, get):
    app.extensions.get("board_renders", {}).clear()
    return get()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--pages", default="")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--reader", default="")
    parser.add_argument("--no-profile", action="store_true",
                        help="only time the requests (best of --repeat runs of --n)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--split", action="store_true",
                        help="ms a request in templates, SQL and the rest (no profile)")
    args = parser.parse_args()
    args.no_profile = args.no_profile or args.split
    app = create_app()
    pages, reader, secretariat = discover(app)
    reader = args.reader or reader
    base = "https://localhost"
    client, admin = login(app, base, reader), login(app, base, secretariat)
    statements = []
    with app.app_context():
        engine = db.engine
    import benchmarks.reference as reference  # reads DATABASE_URL when imported

    with reference.app.app_context():
        engines = (engine, reference.db.engine)
    clock = {}
    # seconds spent in SQL statements and in rendering templates (an outermost render's
    # whole time, less the statements it ran: a template that renders another is
    # counted once)
    spent = {"sql": 0.0, "template": 0.0, "depth": 0}

    def statement_ended(*a, **k):
        took = time.perf_counter() - clock["t"]
        spent["sql"] += took
        if spent["depth"]:
            spent["template"] -= took
        statements.append(f"{took * 1000:6.2f} ms  {' '.join(a[2].split())}")

    for each in engines:
        event.listen(each, "before_cursor_execute",
                     lambda *a, **k: clock.__setitem__("t", time.perf_counter()))
        event.listen(each, "after_cursor_execute", statement_ended)

    def render_started(*a, **k):
        if not spent["depth"]:
            clock["render"] = time.perf_counter()
        spent["depth"] += 1

    def render_ended(*a, **k):
        spent["depth"] -= 1
        if not spent["depth"]:
            spent["template"] += time.perf_counter() - clock["render"]

    for each in (app, reference.app) if args.split else ():  # timed renders only if asked
        before_render_template.connect(render_started, each, weak=False)
        template_rendered.connect(render_ended, each, weak=False)
    # As the server process does (wsgi.py): what start-up made is frozen out of the
    # collector's walks, and young collections are rarer.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    chosen = [p for p in args.pages.split(",") if p] or list(pages)
    # the reference first: every page's ratio is to its CPU time
    chosen = ["reference"] + [p for p in chosen if p != "reference"]

    print(f"reader {reader}")
    reference_cpu = None
    for key in chosen:
        path = pages[key]
        headers = {"HX-Request": "true"} if key.startswith("board") else {}
        # the public register without a login; the audit list is the secretariat's
        who = {"public": app.test_client(), "audit": admin, "audit_act": admin,
               "reference": reference.app.test_client()}.get(key, client)
        get = functools.partial(who.get, path, base_url=base, headers=headers)
        if key == "board_built":
            get = functools.partial(_built, app, get)
        for _ in range(5):  # warm
            status = get().status_code
        statements.clear()
        get()
        queries = len(statements)
        runs, cpu_runs, splits = [], [], []
        for _ in range(args.repeat):
            spent.update(sql=0.0, template=0.0)
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(args.n):
                get()
            runs.append((time.perf_counter() - started) / args.n * 1000)
            cpu_runs.append((time.process_time() - cpu_started) / args.n * 1000)
            splits.append((runs[-1], spent["template"] / args.n * 1000,
                           spent["sql"] / args.n * 1000))
        plain, cpu = min(runs), min(cpu_runs)
        reference_cpu = reference_cpu or cpu
        measured = (f"{plain:.2f} ms a request, {cpu:.2f} ms CPU ({reference_cpu / cpu:.2f}× "
                    f"the reference; best of {args.repeat}), {queries} SQL statements")
        if args.no_profile:
            print(f"=== {key} {path}: status {status}, {measured}")
            if args.split:  # the fastest run's own parts
                whole, template, sql = min(splits)
                print(f"    templates {template:.2f} ms, SQL {sql:.2f} ms, "
                      f"the rest {whole - template - sql:.2f} ms")
            continue
        profile = (cProfile.Profile(time.process_time) if os.environ.get("PROFILE_CPU")
                   else cProfile.Profile())
        profile.enable()
        for _ in range(args.n):
            get()
        profile.disable()
        if os.environ.get("PROFILE_DUMP"):  # a directory: <page>.prof, for pstats or snakeviz
            profile.dump_stats(Path(os.environ["PROFILE_DUMP"]) / f"{key}.prof")
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        # Python function calls a request: the profile's measure of work, which
        # (unlike the time) does not move with the load of a shared machine.
        print(f"=== {key} {path}: status {status}, {measured}, "
              f"{stats.total_calls / args.n:.0f} function calls a request")
        if os.environ.get("PROFILE_VERBOSE"):
            print(out.getvalue())
        if os.environ.get("PROFILE_SQL"):
            print("\n".join(statements[:queries]))


if __name__ == "__main__":
    main()
