"""Times a representative's position POSTs while a 20-item notice with attachments is
being published, on SQLite: the cost to other writers of publishing.

    .venv/bin/python benchmarks/publish_contention.py [--runs 3] [--baseline 20]

Two processes (as two gunicorn workers would be) on one SQLite file in a temporary
directory under /tmp: a secretariat user POSTs "Publish notice" of a 20-item meeting
(every other item with a 3-page attachment, as benchmarks/pdf_notice.py), rendered for
real by WeasyPrint; a representative POSTs positions (support / stand aside in turn)
one after the other for as long as the publish runs. Prints the position latencies
before (idle) and during each publish, the failures (e.g. 503 "database is locked")
and how long the publish took. It only uses what the app had before publishing was
moved out of the write transaction, so it also runs on an older checkout (copy it into
that checkout's benchmarks/) for a before/after comparison.
"""

import argparse
import multiprocessing
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from pdf_notice import add_items  # noqa: E402 - beside this script, as bench.py uses it

from decisions import create_app  # noqa: E402
from decisions.accounts.models import Role  # noqa: E402
from decisions.accounts.services import create_user  # noqa: E402
from decisions.clock import now  # noqa: E402
from decisions.extensions import db  # noqa: E402
from decisions.meetings import agenda  # noqa: E402
from decisions.meetings import services as meetings  # noqa: E402
from decisions.meetings.models import GroupKind  # noqa: E402
from decisions.members.models import Member, MemberKind, Subregion  # noqa: E402
from decisions.proposals import services as proposals  # noqa: E402
from decisions.proposals.models import Area, Procedure  # noqa: E402

ITEMS = 20
# The same in every process (they are spawned); the database is thrown away.
PASSWORD = "correct horse battery staple"  # noqa: S105


def make_app(url: str, files: str):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE=files)
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def fill(app, runs: int) -> dict:
    """`runs` planned 20-item meetings, and an open round of three members of which
    the first has a representative."""
    with app.app_context():
        upgrade()
        sec = create_user(None, email="sek@example.test", name="Sekretariatet",
                          role=Role.SECRETARIAT, password=PASSWORD)
        region = Subregion(name="Follo")
        members = [Member(name=f"Kommune {n}", kind=MemberKind.MUNICIPALITY,
                          subregion=region, active=True) for n in range(3)]
        db.session.add_all(members)
        db.session.flush()
        rep = create_user(None, email="rep@example.test", name="Representant",
                          role=Role.REPRESENTATIVE, password=PASSWORD, member=members[0])
        area = Area(name_nb="Klima og miljø", name_en="Climate and environment")
        db.session.add(area)
        proposal = proposals.create_proposal(sec, title="Felles ladestrategi", area=area,
                                             background="Bakgrunn.",
                                             resolution="Strategien vedtas.")
        round_ = proposals.open_round(sec, proposal, members=members,
                                      deadline=now() + timedelta(days=7),
                                      procedure=Procedure.CONSENT)
        group = meetings.create_group(None, name="Styret", kind=GroupKind.BOARD)
        ids = []
        for n in range(runs):
            meeting = agenda.plan_meeting(
                None, group, starts_at=datetime(2027, 3, 17 + n, 9, 0, tzinfo=UTC),
                place="Oslo rådhus")
            add_items(sec, meeting, ITEMS)
            ids.append(meeting.id)
        db.session.commit()
        found = {"meetings": ids, "round": round_.id, "member": members[0].id,
                 "sec": sec.email, "rep": rep.email}
        db.session.remove()
        db.engine.dispose()
        return found


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, response.status_code


def publisher(url, files, email, meeting_ids, go, done, results) -> None:
    app = make_app(url, files)
    with app.app_context():
        from decisions.meetings import pdf  # noqa: F401 - WeasyPrint imported before timing

    client = app.test_client()
    login(client, email)
    done.set()  # signed in: the voter signs in after (logins are not what is measured)
    for meeting_id in meeting_ids:
        go.wait()
        go.clear()
        started = time.perf_counter()
        try:
            response = client.post(f"/meetings/{meeting_id}/publish",
                                   data={"form_nonce": secrets.token_urlsafe(16)})
            status = response.status_code
        except Exception:  # noqa: BLE001 - counted as a failed publish
            status = 599
        results.put(("publish", time.perf_counter() - started, status))
        done.set()


def voter(url, files, email, round_id, member_id, runs, baseline, go, done, results):
    app = make_app(url, files)
    client = app.test_client()
    done.wait(timeout=120)
    login(client, email)
    turn = 0

    def post() -> tuple[float, int]:
        nonlocal turn
        turn += 1
        kind = "support" if turn % 2 else "stand_aside"
        started = time.perf_counter()
        response = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                               data={"kind": kind, "comment": ""})
        return time.perf_counter() - started, response.status_code

    for run in range(runs):
        for _ in range(baseline):
            results.put(("idle", *post()))
        done.clear()
        go.set()
        time.sleep(0.5)  # the publish is under way (past its login and first reads)
        deadline = time.monotonic() + 300
        while not done.is_set() and time.monotonic() < deadline:
            results.put((f"during-{run}", *post()))
        done.wait(timeout=300)
    results.put(("voter", 0.0, 0))


def summary(label: str, samples: list[tuple[float, int]]) -> str:
    if not samples:
        return f"{label}: no samples"
    ms = sorted(s[0] * 1000 for s in samples)
    failed = sum(1 for s in samples if s[1] >= 400)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (f"{label}: {len(ms)} POSTs, median {statistics.median(ms):.0f} ms, "
            f"p95 {p95:.0f} ms, max {ms[-1]:.0f} ms, failed {failed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="samraad-contention-", dir="/tmp"))
    url, files = f"sqlite:///{workdir / 'bench.sqlite'}", str(workdir / "files")
    try:
        found = fill(make_app(url, files), args.runs)
        context = multiprocessing.get_context("spawn")
        go, done, results = context.Event(), context.Event(), context.Queue()
        processes = [
            context.Process(target=publisher, args=(url, files, found["sec"],
                                                    found["meetings"], go, done, results)),
            context.Process(target=voter, args=(url, files, found["rep"], found["round"],
                                                found["member"], args.runs, args.baseline,
                                                go, done, results))]
        for process in processes:
            process.start()
        samples: dict[str, list] = {}
        while len(samples.get("publish", [])) < args.runs or "voter" not in samples:
            label, seconds, status = results.get(timeout=900)  # drained before join
            samples.setdefault(label.split("-")[0], []).append((seconds, status))
        for process in processes:
            process.join(timeout=60)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{ITEMS}-item notice with {ITEMS // 2} attachments, {args.runs} publishes, SQLite")
    print(summary("position, idle", samples.get("idle", [])))
    print(summary("position, during a publish", samples.get("during", [])))
    publishes = samples.get("publish", [])
    print("publish: " + ", ".join(f"{s:.2f} s ({status})" for s, status in publishes))


if __name__ == "__main__":
    main()
