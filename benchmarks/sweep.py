"""Counts the emails of one consent round and times the sweep over 1,000 open rounds.

    .venv/bin/python benchmarks/sweep.py [--backend sqlite|postgresql ...] [--repeat 5]
        [--postgres postgresql://postgres@127.0.0.1:5432/samraad_bench] [--rounds 1000]

On SQLite (a temporary file) and PostgreSQL (--postgres: must exist; it is emptied):
1) one consent round of 64 members, one representative each, default settings, through
the services and a sweep after each step; prints the emails received, by kind and
recipient, by a real SMTP server on loopback (aiosmtpd in its own process, writing each
email to a Maildir, so its time is part of `deliver`). 2) --rounds open rounds of those
members, bulk-inserted; prints the time of sweep() per step, idle (median of --repeat)
and with the reminders of --due rounds due, and the load average just before (the
machine should be idle). Also writes benchmarks/results/sweep.json.
"""

import argparse
import hashlib
import json
import mailbox
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, select, text, update  # noqa: E402

import decisions.sweep as sweep_module  # noqa: E402
from decisions import create_app  # noqa: E402
from decisions.accounts.models import Role, User  # noqa: E402
from decisions.accounts.services import create_user  # noqa: E402
from decisions.extensions import db  # noqa: E402
from decisions.members.models import Member, MemberKind, Subregion  # noqa: E402
from decisions.notifications import mail  # noqa: E402
from decisions.notifications import models as nm  # noqa: E402
from decisions.numbering import Counter as Series  # noqa: E402
from decisions.proposals import models as pm  # noqa: E402
from decisions.proposals import services  # noqa: E402

MEMBERS, ANSWERING, PASSWORD = 64, 40, "correct horse battery staple"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEADY = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)  # 12:00 in Oslo: past the digest hour
KINDS = {"round_opened": "round opened", "reminder": "reminder", "objection": "objection",
         "objection_answered": "objection answered", "round_closed": "round closed"}
PHASES = ("record_ended_rounds", "reminders", "queue_emails", "queue_digests", "deliver")
MARKS: dict[str, tuple[float, float]] = {}


@dataclass
class Clock:
    """The app's clock: stands still until the script moves it."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@contextmanager
def smtp_server(maildir: Path) -> Iterator[int]:
    """A real SMTP server on loopback in its own process (aiosmtpd), keeping what it
    receives in a Maildir; yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",  # noqa: S603
                               f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir])
    try:
        for _attempt in range(100):  # until it listens
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait()


def received(maildir: Path) -> list[tuple[str, str]]:
    """(To, Message-ID) of every email the server has received."""
    return [(m["To"], m["Message-ID"]) for m in mailbox.Maildir(maildir, create=False)]


def instrument() -> None:
    """Wrap the steps sweep() calls, to note when each starts and ends; the reminders
    are what lies between the first two."""
    def timed(name, original):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                MARKS[name] = (started, time.perf_counter())
        return call

    for owner, name in [(sweep_module, "record_ended_rounds"), (mail, "queue_emails"),
                        (mail, "queue_digests"), (mail, "deliver")]:
        setattr(owner, name, timed(name, getattr(owner, name)))


def timed_sweep() -> tuple[dict, dict]:
    MARKS.clear()
    started = time.perf_counter()
    result = sweep_module.sweep()
    times = {name: end - begin for name, (begin, end) in MARKS.items()}
    times["reminders"] = MARKS["queue_emails"][0] - MARKS["record_ended_rounds"][1]
    times = {name: times[name] for name in PHASES} | {"total": time.perf_counter() - started}
    return times, asdict(result)


def one_round(clock: Clock, maildir: Path) -> dict:
    """Scenario 1, through the services; returns the emails received by kind and role."""
    staff = [create_user(None, email=f"sekretariat{i}@example.test", name=f"Sekretær {i}",
                         role=Role.SECRETARIAT, password=PASSWORD) for i in (1, 2)]
    region = Subregion(name="Follo")
    members = [Member(name=f"Kommune {i + 1:02d}", kind=MemberKind.MUNICIPALITY,
                      subregion=region, active=True) for i in range(MEMBERS)]
    db.session.add_all(members)
    db.session.flush()
    reps = [create_user(None, email=f"rep{i + 1}@example.test", name=f"Representant {i + 1}",
                        role=Role.REPRESENTATIVE, password=PASSWORD, member=m)
            for i, m in enumerate(members)]
    area = services.create_area(None, name_nb="Klima og miljø", name_en="Climate")
    proposal = services.create_proposal(staff[0], title="Felles ladestrategi", area=area,
                                        background="Bakgrunn.", resolution="Vi slutter oss.")
    round_ = services.open_round(staff[0], proposal, members=members,
                                 procedure=pm.Procedure.CONSENT,
                                 deadline=clock() + timedelta(days=14))
    db.session.commit()

    def then(hours: float, act=None) -> None:  # time passes, someone acts, the sweep runs
        clock.moment += timedelta(hours=hours)
        if act is not None:
            act()
            db.session.commit()
        assert not sweep_module.sweep().failed_steps, "a step of the sweep failed"

    def answer(i: int, kind=pm.PositionKind.SUPPORT, comment: str = ""):
        return lambda: services.register_position(reps[i], round_, members[i], kind=kind,
                                                  comment=comment)

    then(0)
    then(2, answer(0, pm.PositionKind.OBJECT, "For dyrt."))
    then(3, lambda: services.answer_objection(staff[1], round_, members[0], "Se punkt 3."))
    for i in range(ANSWERING):  # the objecting member first: it now supports
        then(24 if i == 0 else 1, answer(i))
    clock.moment = round_.remind_at + timedelta(minutes=1)
    then(0)
    clock.moment = round_.deadline + timedelta(minutes=1)
    then(0)
    kinds = {}  # Message-ID token (see mail._message) -> (kind, role)
    for email_id, key, kind, role in db.session.execute(
            select(nm.OutboundEmail.id, nm.OutboundEmail.key, nm.Notification.kind, User.role)
            .join(nm.Notification, nm.Notification.email_id == nm.OutboundEmail.id)
            .join(User, User.id == nm.OutboundEmail.user_id)):
        kinds[hashlib.sha256(f"{email_id}:{key}".encode()).hexdigest()[:24]] = (kind.value, role)
    emails = received(maildir)
    counts = Counter(kinds[mid.strip("<>").partition("@")[0]] for _to, mid in emails)
    table = {label: {role.value: counts[(kind, role)]
                     for role in (Role.REPRESENTATIVE, Role.SECRETARIAT)}
             for kind, label in KINDS.items()}
    return {"outcome": round_.outcome and round_.outcome.value,
            "received": len(emails), "by_kind": table}


def bulk_rounds(count: int, due: int) -> None:
    """Open rounds of every member, inserted in bulk. Rounds [0, due) have their
    reminder due within the hour after STEADY; the rest later; no deadline is near."""
    author = db.session.scalar(select(User.id).where(User.role == Role.SECRETARIAT))
    area_id = db.session.scalar(select(pm.Proposal.area_id))
    reps = dict(db.session.execute(select(User.member_id, User.id).where(
        User.role == Role.REPRESENTATIVE)).all())
    year = STEADY.year
    first = db.session.scalar(select(Series.value).where(Series.name == "case",
                                                         Series.year == year)) + 1
    deadlines = [STEADY + timedelta(hours=48, seconds=30 * (i + 1)) if i < due else
                 STEADY + timedelta(hours=49, minutes=10 * (i - due + 1)) for i in range(count)]
    opened = [d - timedelta(days=14) for d in deadlines]
    texts = {"title": "Benchmarksak", "background": "Bakgrunn.", "resolution": "Vi slutter oss."}
    proposal_ids = db.session.scalars(insert(pm.Proposal).returning(
        pm.Proposal.id, sort_by_parameter_order=True), [
        {**texts, "area_id": area_id, "status": pm.ProposalStatus.CIRCULATED, "lock_version": 1,
         "case_year": year, "case_number": first + i, "created_by_id": author,
         "created_at": opened[i], "updated_at": opened[i]} for i in range(count)]).all()
    db.session.execute(update(Series).where(Series.name == "case", Series.year == year)
                       .values(value=first + count - 1))
    version_ids = db.session.scalars(insert(pm.ProposalVersion).returning(
        pm.ProposalVersion.id, sort_by_parameter_order=True), [
        {**texts, "proposal_id": p, "number": 1, "created_by_id": author,
         "created_at": opened[i]} for i, p in enumerate(proposal_ids)]).all()
    round_ids = db.session.scalars(insert(pm.Round).returning(
        pm.Round.id, sort_by_parameter_order=True), [
        {"proposal_id": p, "version_id": v, "procedure": pm.Procedure.CONSENT,
         "opened_at": opened[i], "deadline": deadlines[i], "opened_by_id": author,
         "reminder_hours": 48, "remind_at": deadlines[i] - timedelta(hours=48)}
        for i, (p, v) in enumerate(zip(proposal_ids, version_ids, strict=True))]).all()
    db.session.execute(insert(pm.RoundMember), [
        {"round_id": r, "member_id": m} for r in round_ids for m in reps])
    answers = [{"round_id": r, "member_id": m, "kind": pm.PositionKind.SUPPORT, "comment": "",
                "registered_by_id": reps[m], "on_behalf": False}
               for i, r in enumerate(round_ids) for n, m in enumerate(reps) if (i + n) % 2]
    at = {r: opened[i] + timedelta(days=1) for i, r in enumerate(round_ids)}
    db.session.execute(insert(pm.Position), [
        {**a, "registered_at": at[a["round_id"]], "lock_version": 1} for a in answers])
    db.session.execute(insert(pm.PositionChange), [
        {**a, "from_kind": None, "at": at[a["round_id"]]} for a in answers])
    db.session.execute(insert(nm.Notification), [
        {"key": f"round_opened:{r}:user:{u}", "user_id": u, "round_id": r,
         "kind": nm.NotificationKind.ROUND_OPENED, "params": {"version": 1},
         "created_at": opened[i], "email_state": nm.EmailState.NOT_SENT}
        for i, r in enumerate(round_ids) for u in reps.values()])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # as autovacuum would have done by now


def run(backend: str, args, workdir: Path, port: int) -> dict:
    url = f"sqlite:///{workdir / 'bench.sqlite'}" if backend == "sqlite" else args.postgres
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE=str(workdir / "files"),
                     MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://samraad.example")
    app.extensions["clock"] = clock = Clock(START)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if backend == "postgresql":
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    with app.app_context():
        upgrade()
        emails = one_round(clock, workdir / "mail")
        started = time.perf_counter()
        bulk_rounds(args.rounds, args.due)
        filled, clock.moment = time.perf_counter() - started, STEADY
        timed_sweep()  # the first after the fill, not counted
        load = os.getloadavg()
        idle = [timed_sweep()[0] for _ in range(args.repeat)]
        clock.moment, before = STEADY + timedelta(hours=1), len(received(workdir / "mail"))
        busy, counts = timed_sweep()
        counts["received"] = len(received(workdir / "mail")) - before
        db.session.remove()
        db.engine.dispose()
    median = {name: statistics.median(t[name] for t in idle) for name in idle[0]}
    return {"database": url.split("@")[-1], "emails_one_round": emails, "fill_seconds": filled,
            "load_average": load, "idle_median": median,
            "idle_totals": [t["total"] for t in idle], "due_sweep": busy, "due_counts": counts}


def report(backend: str, r: dict, args) -> None:
    emails, c = r["emails_one_round"], r["due_counts"]
    d = c["delivery"]
    print(f"\n== {backend} ({r['database']})")
    print(f"one consent round: {MEMBERS} members, one representative each, 2 secretariat "
          f"users; {ANSWERING} answer; outcome {emails['outcome']}")
    print(f"  {'emails':<20}{'representatives':>16}{'secretariat':>13}{'total':>7}")
    for label, row in emails["by_kind"].items():
        reps, staff = row["representative"], row["secretariat"]
        print(f"  {label:<20}{reps:>16}{staff:>13}{reps + staff:>7}")
    print(f"  {'total received':<20}{emails['received']:>36}")
    print(f"sweep() with {args.rounds} open rounds x {MEMBERS} members "
          f"(bulk fill {r['fill_seconds']:.1f} s; load average "
          f"{' '.join(f'{x:.2f}' for x in r['load_average'])}), seconds:")
    print(f"  {'':<24}" + "".join(f"{p[:12]:>13}" for p in (*PHASES, "total")))
    for label, times in [(f"idle, median of {args.repeat}", r["idle_median"]),
                         (f"{args.due} rounds' reminders", r["due_sweep"])]:
        print(f"  {label:<24}" + "".join(f"{times[p]:>13.4f}" for p in (*PHASES, "total")))
    print(f"  reminders: {c['reminded']} people reminded, {c['queued']} emails queued, "
          f"{d['sent']} sent ({d['retried']} retried, {d['failed']} failed), "
          f"{c['received']} received by the SMTP server")
    if c["failed_steps"]:
        print(f"  FAILED steps of the sweep (see the log): {', '.join(c['failed_steps'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--postgres",
                        default="postgresql://postgres@127.0.0.1:5432/samraad_bench")
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    instrument()
    results = {}
    for backend in args.backend or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory(prefix="samraad-bench-", dir="/tmp") as workdir, \
                smtp_server(Path(workdir) / "mail") as port:
            results[backend] = run(backend, args, Path(workdir), port)
        report(backend, results[backend], args)
    out = Path(__file__).resolve().parent / "results" / "sweep.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "rounds": args.rounds, "due": args.due, "members": MEMBERS,
                               "results": results}, indent=2) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
