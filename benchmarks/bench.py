"""`make bench`: Samråd's pages under gunicorn against a Flask hello world and a bare
reference page, on SQLite and PostgreSQL, at `alliance` and `national` scale.

    .venv/bin/python benchmarks/bench.py [--quick] [--databases sqlite,postgresql]
        [--scales alliance,national] [--duration 10] [--warmup 2] [--connections 8]
        [--threads 1] [--window 60] [--postgres postgresql://postgres@127.0.0.1:5432]
        [--skip-audit-verify] [--reuse] [--report-only]

Per database and scale: a fresh database (SQLite: a file in a temporary directory;
PostgreSQL: the database samraad_bench_http_<scale>, dropped and made again), `flask db
upgrade`, `flask demo scale --preset <scale>`, and a 20-item meeting made through the
services (its notice and minutes PDFs timed in this warm process). Then gunicorn (4 sync
workers, --no-control-socket) serving benchmarks/hello.py, benchmarks/reference.py and
Samråd (production configuration behind one proxy the clients stand in for), and wrk
on 127.0.0.1 against each page with the session of a representative who logged in
over HTTP; the stored minutes PDF against a static file of the same size, directly and
through nginx (X-Accel-Redirect, skipped with a message without nginx); 8
representatives changing their positions as fast as wrk sends; every representative
registering a position within one minute, each with its own login (at national scale);
the round page and proposal list with 1, 2 and 4 workers. Prints the tables and the
budgets (PASS/FAIL), writes benchmarks/results/bench.json (wrk's output included) and
docs/benchmarks.md; --report-only rewrites docs/benchmarks.md from the JSON.
"""

import argparse
import concurrent.futures
import contextlib
import getpass
import http.client
import importlib.metadata
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
REPORT = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BENCH_TITLE = "Benchmark: "  # the proposals this script makes; never a page it measures
# The budgets of issue 7.
BOARD_VS_REFERENCE = 0.75
# Issue 18: every page at least half as fast as the reference page.
PAGE_VS_REFERENCE = 0.5
SCALE_P50_GROWTH = 1.3
SEARCH_VS_REGISTER = 1.3  # full-text search p50 <= this x the decision register search's
PDF_SECONDS = 2.0
STORED_VS_STATIC = 0.8
REGISTRATIONS, REGISTRATION_WINDOW, REGISTRATION_P99_MS = 372, 60.0, 500.0
# Pages whose p50 may grow at most SCALE_P50_GROWTH from alliance to national scale.
LIST_PAGES = ("proposals", "register_search", "search", "public", "notifications", "audit")
# Samråd's pages, each held to PAGE_VS_REFERENCE (the board fragment to BOARD_VS_REFERENCE).
APP_PAGES = ("proposals", "round", "board", "meeting", "register_search", "search", "public",
             "notifications", "audit")
PAGES = {  # key: (label, needs a login)
    "hello": ("Flask hello world", False),
    "reference": ("reference page (Flask + SQLAlchemy, same rows)", False),
    "proposals": ("proposal list", True),
    "round": ("round page with the board", True),
    "board": ("board fragment (htmx)", True),
    "board_304": ("board fragment, unchanged (304)", True),
    "meeting": ("meeting page", True),
    "register_search": ("decision register, search", True),
    "search": ("search (agendas, minutes, decisions)", True),
    "public": ("public register", False),
    "notifications": ("notifications", True),
    "audit": ("audit list (as the secretariat)", True),
    "position": ("position registration (POST)", True),
    "minutes_pdf": ("approved minutes PDF from storage", True),
    "static_pdf": ("static file of the same size", True),
    "nginx_minutes_pdf": ("nginx: minutes PDF, X-Accel-Redirect", True),
    "nginx_static_pdf": ("nginx: static file through the app", True),
    "nginx_static_own": ("nginx: static file sent by nginx", True),
}


# --- Processes ------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
NGINX_CONF = """{user}worker_processes 2;
error_log {log}/nginx-error.log warn;
pid {log}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {log}/nginx-body;
    proxy_temp_path {log}/nginx-proxy;
    fastcgi_temp_path {log}/nginx-fastcgi;
    uwsgi_temp_path {log}/nginx-uwsgi;
    scgi_temp_path {log}/nginx-scgi;
    upstream samraad {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://samraad;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }}
        # What docs/deploying.md gives for FILE_SENDING=x-accel.
        location /_stored/ {{
            internal;
            alias {files}/;
            etag off;
            add_header ETag $upstream_http_etag always;
            add_header X-Content-Type-Options $upstream_http_x_content_type_options always;
            add_header Content-Security-Policy $upstream_http_content_security_policy always;
            add_header Strict-Transport-Security $upstream_http_strict_transport_security always;
            add_header Referrer-Policy $upstream_http_referrer_policy always;
            add_header X-Frame-Options $upstream_http_x_frame_options always;
            add_header Cross-Origin-Opener-Policy $upstream_http_cross_origin_opener_policy always;
            add_header Permissions-Policy $upstream_http_permissions_policy always;
        }}
        # For comparison only: a static file nginx sends without asking the app.
        location /nginx-static/ {{ alias {static}/; }}
    }}
}}
"""


class Background:
    """A server process of ours on a free port of 127.0.0.1: waited for until it answers
    below 500, stopped when the block ends."""

    name = "server"
    process: subprocess.Popen | None = None
    port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self, probe: str, seconds: int, log: Path):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                status, _h, _b = Client(self.port).get(probe)
                if status < 500:
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.name} did not start: {log.read_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Nginx(Background):
    """nginx on a free port of 127.0.0.1 in front of one gunicorn, with the X-Accel
    location of docs/deploying.md; started in the foreground and stopped by us."""

    def __init__(self, upstream: int, files: Path, log_dir: Path):
        self.name = "nginx"
        self.upstream, self.files, self.log_dir = upstream, files, log_dir

    def __enter__(self) -> "Nginx":
        self.port = free_port()
        conf = self.log_dir / "nginx.conf"
        # Started as root, nginx's workers would read the files as nobody: as us instead.
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        conf.write_text(NGINX_CONF.format(user=user, log=self.log_dir, upstream=self.upstream,
                                          port=self.port, files=self.files.absolute(),
                                          static=ROOT / "static"))
        with open(self.log_dir / "nginx-out.log", "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                [NGINX, "-p", str(self.log_dir), "-c", str(conf), "-g", "daemon off;"],
                stdout=log, stderr=log)
        return self.wait_until_up("/health", 20, self.log_dir / "nginx-out.log")


class Server(Background):
    """gunicorn on a free port of 127.0.0.1, logging to a file; started and stopped by us."""

    def __init__(self, name: str, app: str, env: dict, log_dir: Path, *, workers: int = 4,
                 chdir: Path = ROOT, probe: str = "/"):
        self.name, self.app, self.env, self.workers = name, app, env, workers
        self.chdir, self.probe = chdir, probe
        self.log = log_dir / f"gunicorn-{name}-{workers}w.log"

    def __enter__(self) -> "Server":
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
                [PYTHON, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class",
                 "sync", "--bind", f"127.0.0.1:{self.port}", "--no-control-socket",
                 "--log-level", "warning", "--chdir", str(self.chdir), self.app],
                cwd=self.chdir, env=self.env, stdout=log, stderr=log)
        return self.wait_until_up(self.probe, 60, self.log)

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count("Traceback") if self.log.exists() else 0


_addresses = iter(range(1, 1 << 24))
_addresses_lock = threading.Lock()


class Client:
    """One person's browser, its own cookies and address, one request at a time.

    The benchmark stands where the TLS proxy would (Samråd runs with PROXY_COUNT=1):
    every client sends X-Forwarded-Proto: https and its own X-Forwarded-For, as the
    proxy would for people on their own computers, so that the login limit counts
    each person, not 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        with _addresses_lock:
            n = next(_addresses)
        self.address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def referer(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def proxy_headers(self) -> dict[str, str]:
        return {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https"}

    def wrk_headers(self) -> list[str]:
        return [f"Cookie: {self.cookie_header()}",
                *(f"{k}: {v}" for k, v in self.proxy_headers().items())]

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            sent = self.proxy_headers() | dict(headers or {})
            if self.cookies:
                sent["Cookie"] = self.cookie_header()
            body = None
            if data is not None:
                body = urllib.parse.urlencode(data).encode()
                sent["Content-Type"] = "application/x-www-form-urlencoded"
                # As a browser sends it; over https Flask-WTF requires a same-origin one.
                sent.setdefault("Referer", self.referer(path))
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
            for line in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = line.partition("=")
                value = rest.split(";", 1)[0]
                if value and "max-age=0" not in line.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            return response.status, dict(response.getheaders()), content
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> tuple[int, dict, bytes]:
        return self.request("POST", path, data=data)

    def token(self, path: str) -> str:
        status, _h, html = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        found = TOKEN.search(html.decode())
        if found is None:
            raise RuntimeError(f"no CSRF token on {path}")
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        token = self.token("/login")
        status, headers, body = self.post("/login", {"email": email, "password": password,
                                                     "csrf_token": token})
        if status == 429:
            raise RuntimeError(f"login of {email} was refused by the rate limit (429): the "
                               "registrations log every representative in from 127.0.0.1")
        if status != 303:
            raise RuntimeError(f"login of {email} answered {status}: {body[:300]!r}")


# --- wrk ------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * UNITS[unit]


def _bytes(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]?B)", text.strip()).groups()
    return float(number) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3,
                            "TB": 1024**4}[unit]


def parse_wrk(out: str) -> dict:
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        result[f"p{pct}_ms"] = _ms(found.group(1)) if found else None
    done = re.search(r"(\d+) requests in ([\d.]+\w+), (\S+) read", out)
    result["requests"] = int(done.group(1))
    result["bytes_per_request"] = _bytes(done.group(3)) / max(1, result["requests"])
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx_3xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    statuses = Counter()
    for code, n in re.findall(r"^status (\d+): (\d+)$", out, re.M):
        statuses[code] += int(n)
    if statuses:  # counted by the Lua script's response()
        result["statuses"] = dict(statuses)
    refusals = []
    for code, body in re.findall(r"^refused (\d+): (.*)$", out, re.M):
        main = re.search(r"<main.*?</main>", body)
        text = re.sub(r"<[^>]+>", " ", main.group(0) if main else body)
        refusals.append(f"{code}: {' '.join(text.split())[:300]}")
    if refusals:
        result["refusals"] = refusals
    return result


@dataclass
class Load:
    duration: float
    warmup: float
    connections: int
    threads: int


def wrk(url: str, load: Load, *, headers: list[str] = (), script: Path | None = None,
        before=None, threads: int | None = None, pause: float = 0) -> dict:
    """A warm-up run, then the measured one. Between them: `pause` seconds (for the
    requests the warm-up left in flight to finish), then `before()`."""
    def run(seconds: float) -> str:
        command = ["wrk", f"-t{threads or load.threads}", f"-c{load.connections}",
                   f"-d{seconds:g}s",
                   "--latency", "--timeout", "10s"]
        for header in headers:
            command += ["-H", header]
        if script is not None:
            command += ["-s", str(script)]
        done = subprocess.run([*command, url], capture_output=True, text=True,  # noqa: S603
                              timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr}{done.stdout}")
        return done.stdout

    if load.warmup:
        run(load.warmup)
        time.sleep(pause)
    if before is not None:
        before()
    load_average = os.getloadavg()
    out = run(load.duration)
    return {**parse_wrk(out), "load_average": load_average, "url": url, "raw": out}


POSITION_LUA = """
-- Representatives of different members change their members' positions as fast as wrk
-- sends, one representative per wrk thread (and connection), each with its own session
-- cookie and CSRF token. Every request carries another comment, so every one is a real
-- change (a new position change and audit entry), answered 303 as the form without
-- JavaScript is. The answers are counted by status.
local people = {__PEOPLE__}
local threads = {}
local counter = 0
statuses = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("me", #threads)
end
function init(args)
  person = people[(me - 1) % #people + 1]
end
request = function()
  counter = counter + 1
  local body = "kind=reservation&comment=Benchmark+" .. me .. "-" .. counter ..
               "&csrf_token=" .. person.token
  return wrk.format("POST", person.path, {
    ["Cookie"] = person.cookie, ["X-Forwarded-For"] = person.address,
    ["X-Forwarded-Proto"] = "https", ["Referer"] = person.referer,
    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
local shown = false
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 400 and not shown then  -- the first refusal each thread gets, to read
    shown = true
    io.write("refused " .. status .. ": " .. string.gsub(body or "", "%s+", " ") .. "\\n")
  end
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      io.write(string.format("status %d: %d\\n", status, n))
    end
  end
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Data -----------------------------------------------------------------------------

@dataclass
class Target:
    """One database at one scale, and what was found in it to measure."""

    database: str
    scale: str
    url: str
    files: Path
    data: str = ""
    counts: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)  # key -> path
    round_id: int = 0
    round_members: int = 0
    reader: str = ""
    secretariat: str = ""
    search_word: str = ""
    meeting: int = 0
    pdf: dict = field(default_factory=dict)


def flask_env(target: Target, config: str = "development") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SAMRAAD_"))}
    return env | {"SAMRAAD_CONFIG": config, "DATABASE_URL": target.url, "FLASK_APP": "wsgi",
                  "FILE_STORAGE": str(target.files), "PYTHONPATH": str(ROOT)}


def flask(target: Target, *args: str, timeout: float = 3600) -> str:
    done = subprocess.run([PYTHON, "-m", "flask", *args], cwd=ROOT,  # noqa: S603
                          env=flask_env(target), capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)}: {done.stderr[-3000:]}")
    return done.stdout


def scale_command_exists(target: Target) -> bool:
    done = subprocess.run([PYTHON, "-m", "flask", "demo", "scale", "--help"], cwd=ROOT,  # noqa: S603
                          env=flask_env(target), capture_output=True, text=True)
    return done.returncode == 0


def fresh_database(target: Target, admin_url: str) -> None:
    if target.database == "sqlite":
        path = Path(target.url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        from sqlalchemy import create_engine, text

        name = target.url.rsplit("/", 1)[1]
        engine = create_engine(_psycopg(admin_url + "/postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    shutil.rmtree(target.files, ignore_errors=True)


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def has_data(target: Target) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(_psycopg(target.url))
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM users")).scalar())
    except Exception:
        return False
    finally:
        engine.dispose()


def prepare(target: Target, args) -> None:
    if args.reuse and has_data(target) and target.files.exists():
        target.data = "reused"
        print(f"  reusing the data in {target.url}")
        return
    fresh_database(target, args.postgres)
    started = time.perf_counter()
    flask(target, "db", "upgrade")
    if scale_command_exists(target):
        flask(target, "demo", "scale", "--preset", target.scale)
        target.data = f"flask demo scale --preset {target.scale}"
    else:
        flask(target, "demo", "load")
        target.data = "flask demo load (flask demo scale is missing)"
    print(f"  {target.data}: {time.perf_counter() - started:.0f} s")
    if target.database == "postgresql":
        from sqlalchemy import create_engine, text

        engine = create_engine(_psycopg(target.url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would have by now
        engine.dispose()


@contextlib.contextmanager
def app_for(target: Target):
    from decisions import create_app
    from decisions.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=target.url,
                     FILE_STORAGE=str(target.files))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def discover(target: Target, search_word: str | None) -> None:
    """Finds what to measure: the newest open round, a common word of the decisions,
    and a representative of a member of that round."""
    from sqlalchemy import func, select

    from decisions.accounts.models import Role, User
    from decisions.extensions import db
    from decisions.meetings.models import (
        AgendaItem,
        Meeting,
    )
    from decisions.members.models import Member
    from decisions.proposals.models import Proposal, Round, RoundMember
    from decisions.register.models import Decision

    with app_for(target):
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        target.counts = {"members": count(Member), "users": count(User),
                         "proposals": count(Proposal), "rounds": count(Round),
                         "decisions": count(Decision), "meetings": count(Meeting),
                         "agenda_items": count(AgendaItem)}
        size = (select(RoundMember.round_id, func.count().label("n"))
                .group_by(RoundMember.round_id).subquery())
        moment = datetime.now(UTC)
        row = db.session.execute(
            select(Round.id, size.c.n).join(size, size.c.round_id == Round.id)
            .join(Proposal, Proposal.id == Round.proposal_id)
            .where(Round.closed_at.is_(None), Round.deadline > moment,
                   ~Proposal.title.startswith(BENCH_TITLE))
            .order_by(Round.opened_at.desc()).limit(1)).first()
        if row is None:
            raise RuntimeError("no open round in the data")
        target.round_id, target.round_members = row
        target.reader = db.session.scalar(
            select(User.email).join(RoundMember, RoundMember.member_id == User.member_id)
            .where(RoundMember.round_id == target.round_id, User.role == Role.REPRESENTATIVE,
                   User.active, User.totp_secret.is_(None)).order_by(User.id).limit(1))
        # The audit list is the secretariat's page.
        target.secretariat = db.session.scalar(
            select(User.email).where(User.role == Role.SECRETARIAT, User.active,
                                     User.totp_secret.is_(None)).order_by(User.id).limit(1))
        if search_word is None:
            words = Counter(w for title in db.session.scalars(
                select(Decision.title).limit(5000)) for w in re.findall(r"\w{5,}", title.lower()))
            search_word = words.most_common(1)[0][0] if words else "samarbeid"
        target.search_word = search_word
    q = urllib.parse.quote(target.search_word)
    target.pages = {"proposals": "/proposals/", "round": f"/rounds/{target.round_id}",
                    "board": f"/rounds/{target.round_id}/board",
                    "meeting": f"/meetings/{target.meeting}",
                    "register_search": f"/decisions/?q={q}", "search": f"/search?q={q}",
                    "public": "/public/", "notifications": "/notifications/",
                    "audit": "/audit/",
                    "minutes_pdf": f"/meetings/{target.meeting}/documents/minutes.pdf"}


def build_meeting(target: Target, items: int, repeat: int) -> dict:
    """A meeting of `items` agenda items made through the services as the secretariat
    and a chair make one (the scale data stores no PDFs): planned, the notice published
    (the notice and the meeting pack rendered and stored), held, minutes written for
    every item, approved by the chair (the minutes PDF rendered and stored). Then the
    notice and minutes PDFs rendered again, warm, `repeat` times each; nothing more is
    stored. Returns the timings; sets target.meeting."""
    from sqlalchemy import select

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from pdf_notice import BACKGROUND, add_items

    from decisions.accounts.models import Role, User
    from decisions.clock import frozen_at
    from decisions.database import expect_writes
    from decisions.extensions import db
    from decisions.meetings import agenda, minutes, queries, services
    from decisions.meetings.models import GroupKind, GroupRole

    with app_for(target):
        expect_writes()
        secretariat = db.session.scalar(select(User).where(
            User.role == Role.SECRETARIAT, User.active).order_by(User.id).limit(1))
        chair = db.session.scalar(select(User).where(
            User.role == Role.BOARD, User.active).order_by(User.id).limit(1))
        starts = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
        with frozen_at(starts - timedelta(days=21)):
            group = services.create_group(None, name=f"{BENCH_TITLE}styret {secrets.token_hex(3)}",
                                          kind=GroupKind.BOARD)
            services.add_membership(None, group, person_name=chair.name, role=GroupRole.CHAIR,
                                    term_start=(starts - timedelta(days=365)).date(),
                                    user=chair)
            meeting = agenda.plan_meeting(
                secretariat, group, starts_at=starts, ends_at=starts + timedelta(hours=3),
                place="Oslo rådhus", video_url="https://video.example.test/styret")
            add_items(secretariat, meeting, items)
            db.session.commit()
        result = {"items": len(queries.active_items(meeting))}
        with frozen_at(starts - timedelta(days=14)):
            started = time.perf_counter()
            agenda.publish_notice(secretariat, meeting)  # notice and pack
            result["publish_notice_s"] = time.perf_counter() - started
            db.session.commit()
        with frozen_at(starts + timedelta(hours=3)):
            minutes.mark_held(secretariat, meeting)
            for item in queries.active_items(meeting):
                minutes.save_item_minutes(
                    secretariat, item, lock_version=item.lock_version,
                    notes="\n\n".join(BACKGROUND.split("\n\n")[:2]),
                    decision_text="Styret slutter seg til forslaget.")
            db.session.commit()
        with frozen_at(starts + timedelta(days=1)):
            started = time.perf_counter()
            minutes.approve_minutes(chair, meeting)
            result["approve_minutes_s"] = time.perf_counter() - started
            db.session.commit()
        target.meeting = meeting.id
        from decisions.meetings import pdf

        meeting = queries.meeting_with_agenda(meeting.id)
        for kind, render in (("notice", pdf.notice_pdf), ("minutes", pdf.minutes_pdf)):
            times, size = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                size = len(render(meeting))
                times.append(time.perf_counter() - started)
            result[kind] = {"warm_s": times, "warm_median_s": statistics.median(times),
                            "bytes": size}
        db.session.rollback()
        return result


def open_bench_round(target: Target, label: str) -> tuple[int, list[tuple[int, str]]]:
    """A consent round of every active member, opened through the services as the
    secretariat does; returns its id and one (member id, representative email) each."""
    from sqlalchemy import select

    from decisions.accounts.models import Role, User
    from decisions.database import expect_writes
    from decisions.extensions import db
    from decisions.members.models import Member
    from decisions.proposals import services
    from decisions.proposals.models import Area, Procedure

    with app_for(target):
        expect_writes()
        secretariat = db.session.scalar(select(User).where(
            User.role == Role.SECRETARIAT, User.active).order_by(User.id).limit(1))
        reps = {}
        for member_id, email in db.session.execute(
                select(User.member_id, User.email).join(Member, Member.id == User.member_id)
                .where(User.role == Role.REPRESENTATIVE, User.active, Member.active,
                       User.totp_secret.is_(None)).order_by(User.id)):
            reps.setdefault(member_id, email)
        members = list(db.session.scalars(select(Member).where(Member.id.in_(reps))))
        area = db.session.scalar(select(Area).order_by(Area.id).limit(1))
        proposal = services.create_proposal(
            secretariat, title=f"{BENCH_TITLE}{label} {secrets.token_hex(3)}", area=area,
            background="Laget av benchmarks/bench.py.", resolution="Vi slutter oss til forslaget.")
        round_ = services.open_round(secretariat, proposal, members=members,
                                     deadline=datetime.now(UTC) + timedelta(days=14),
                                     procedure=Procedure.CONSENT)
        db.session.commit()
        return round_.id, sorted((m.id, reps[m.id]) for m in members)


def recorded(target: Target, round_id: int, member_id: int | None = None) -> dict:
    from sqlalchemy import func, select

    from decisions.audit.models import AuditEntry
    from decisions.extensions import db
    from decisions.proposals.models import Position, PositionChange, Round

    with app_for(target):
        def count(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        changes = [PositionChange.round_id == round_id]
        if member_id is not None:
            changes.append(PositionChange.member_id == member_id)
        position_ids = select(Position.id).where(Position.round_id == round_id)
        round_ = db.session.get(Round, round_id)
        return {"positions": count(Position, Position.round_id == round_id),
                "changes": count(PositionChange, *changes),
                "audit_registered": count(AuditEntry, AuditEntry.act == "position.registered",
                                          AuditEntry.object_id.in_(position_ids)),
                "outcome": round_.outcome and round_.outcome.value}


def verify_audit(target: Target) -> tuple[int, float]:
    from decisions.audit.chain import verify
    from decisions.extensions import db

    with app_for(target):
        started = time.perf_counter()
        broken = verify(db.session)
        return len(broken), time.perf_counter() - started


# --- The measurements -----------------------------------------------------------------

def front_server(target: Target, env: dict, logs: Path, reader: "Client", pdf_bytes: bytes,
                 static: Path, run, result: dict) -> None:
    """The stored minutes and the static file of the same size through nginx in front
    of a second Samråd (the same settings and sessions, FILE_SENDING=x-accel): the
    app authorizes, nginx sends the file. Skipped, said so, without nginx."""
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx-light): front-server path skipped"
        print(f"  {message}")
        result.setdefault("warnings", []).append(message)
        return
    accel = env | {"FILE_SENDING": "x-accel", "FILE_ACCEL_PREFIX": "/_stored/"}
    with Server("samraad-accel", "wsgi:app", accel, logs, probe="/health") as app_server, \
            Nginx(app_server.port, target.files, logs) as front:
        headers = reader.wrk_headers()
        through = Client(front.port)
        through.cookies = dict(reader.cookies)
        status, got, body = through.get(target.pages["minutes_pdf"])
        if status != 200 or body != pdf_bytes or "X-Accel-Redirect" in got:
            raise RuntimeError(f"the PDF through nginx: {status}, {len(body)} bytes, {got}")
        result["nginx_headers"] = {k: v for k, v in got.items() if k.lower() in (
            "content-type", "content-disposition", "etag", "cache-control",
            "x-content-type-options", "content-security-policy")}
        run("nginx_minutes_pdf", front.base + target.pages["minutes_pdf"], headers=headers)
        run("nginx_static_pdf", f"{front.base}/static/{static.name}", headers=headers)
        run("nginx_static_own", f"{front.base}/nginx-static/{static.name}", headers=headers)


def samraad_env(target: Target) -> dict:
    """Production settings (the __Host- cookie, HSTS, argon2 at full cost, the login
    limit), behind one proxy (PROXY_COUNT=1) that the benchmark's clients stand in for;
    the second factor is not asked of the secretariat, who only appears in the setup."""
    return flask_env(target, "production") | {"SECRET_KEY": secrets.token_hex(32),
                                              "TOTP_REQUIRED_ROLES": "", "PROXY_COUNT": "1"}


def login_all(port: int, people: list[tuple[int, str]], password: str,
              round_id: int) -> list[tuple[int, Client, str]]:
    def one(person):
        member_id, email = person
        client = Client(port)
        client.login(email, password)
        return member_id, client, client.token(f"/rounds/{round_id}/members/{member_id}/position")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, people))


def registrations(target: Target, server: Server, window: float, password: str,
                  verify_chain: bool = True) -> dict:
    """Every representative of a new round registers its member's position once, the
    moments spread at random over `window` seconds (open loop: nobody waits for anyone).
    Logging in and opening the form come first and are not timed; the POST is."""
    round_id, people = open_bench_round(target, "registrations")
    started = time.perf_counter()
    ready = login_all(server.port, people, password, round_id)
    login_s = time.perf_counter() - started
    rng = random.Random(7)  # noqa: S311 - a schedule, not a secret
    moments = sorted(rng.uniform(0, window) for _ in ready)
    rng.shuffle(ready)
    answers: list[tuple[int, float, float]] = []  # status, latency ms, finished at
    lock = threading.Lock()
    t0 = time.perf_counter() + 1.0

    def register(n: int, member_id: int, client: Client, token: str) -> None:
        time.sleep(max(0.0, t0 + moments[n] - time.perf_counter()))
        kind, comment = ("reservation", f"Forbehold {n}") if n % 10 == 0 else ("support", "")
        began = time.perf_counter()
        try:
            status, _h, _b = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                                          {"kind": kind, "comment": comment,
                                           "csrf_token": token})
        except OSError:
            status = 0
        ended = time.perf_counter()
        with lock:
            answers.append((status, (ended - began) * 1000, ended - t0))

    threads = [threading.Thread(target=register, args=(n, *person))
               for n, person in enumerate(ready)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=window + 300)
    latencies = sorted(a[1] for a in answers)
    statuses = Counter(a[0] for a in answers)
    counts = recorded(target, round_id)
    broken, verify_s = verify_audit(target) if verify_chain else (None, None)
    return {"round": round_id, "representatives": len(people), "window_s": window,
            "login_s": login_s, "statuses": {str(k): v for k, v in statuses.items()},
            "errors": sum(v for k, v in statuses.items() if k != 303),
            "p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99),
            "max_ms": latencies[-1] if latencies else None,
            "last_done_s": max((a[2] for a in answers), default=None),
            "recorded": counts, "audit_chain_broken": broken, "audit_verify_s": verify_s}


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    rank = max(0, min(len(values) - 1, math.ceil(pct / 100 * len(values)) - 1))  # nearest rank
    return values[rank]


def prime(port: int, reader: Client, paths: list[str], workers: int) -> None:
    """Each path a few times from `workers` clients at once, so that every worker has
    compiled its templates and loaded its catalogs before wrk's warm-up: a fresh
    worker's first requests cost more than a short warm-up run can hide."""
    def visit(_n: int) -> None:
        client = Client(port)
        client.cookies, client.address = dict(reader.cookies), reader.address
        for path in paths:
            for _ in range(3):
                client.get(path)

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(visit, range(workers * 2)))


def check_page(client: Client, path: str) -> int:
    status, _h, body = client.get(path)
    if status != 200:
        raise RuntimeError(f"GET {path} as the reader answered {status}, not 200")
    return len(body)


def measure(target: Target, args, load: Load, workdir: Path, password: str) -> dict:
    result: dict = {"data": target.data, "counts": target.counts, "round": target.round_id,
                    "round_members": target.round_members, "reader": target.reader,
                    "search_word": target.search_word, "meeting_items": target.pdf["items"],
                    "pdf": target.pdf, "pages": dict(target.pages), "wrk": {}}
    logs = workdir / f"{target.database}-{target.scale}"
    logs.mkdir(exist_ok=True)
    plain = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SAMRAAD_"))}
    print(f"  reading as {target.reader}: round {target.round_id} ({target.round_members} "
          f"members), meeting {target.meeting} of {target.pdf['items']} items, search "
          f"{target.search_word!r}")

    def run(key: str, url: str, **kw) -> dict:
        numbers = wrk(url, load, **kw)
        result["wrk"][key] = numbers
        flag = ""
        if numbers["non_2xx_3xx"] or numbers["socket_errors"]:
            flag = (f"  ({numbers['non_2xx_3xx']} non-2xx/3xx, "
                    f"{numbers['socket_errors']} socket errors)")
        if numbers.get("statuses"):
            flag += f"  answers {numbers['statuses']}"
        for refusal in numbers.get("refusals", []):
            flag += f"\n      refused {refusal}"
        print(f"  {PAGES[key][0]:<48}{numbers['rps']:>9.1f} req/s  p50 "
              f"{numbers['p50_ms']:>8.1f} ms  p99 {numbers['p99_ms']:>8.1f} ms{flag}")
        return numbers

    with Server("hello", "hello:app", plain, logs, chdir=ROOT / "benchmarks") as hello:
        run("hello", hello.base + "/")
    short = Load(duration=min(load.duration, 5), warmup=min(load.warmup, 1),
                 connections=load.connections, threads=load.threads)
    around: list[float] = []  # the reference's req/s between the pages' runs
    env = samraad_env(target)
    stack = contextlib.ExitStack()
    reference = stack.enter_context(Server(
        "reference", "reference:app", plain | {"DATABASE_URL": target.url}, logs,
        chdir=ROOT / "benchmarks", probe=f"/rounds/{target.round_id}"))
    reference_url = f"{reference.base}/rounds/{target.round_id}"

    def reference_now() -> float:
        numbers = wrk(reference_url, short)
        if numbers["non_2xx_3xx"] or numbers["socket_errors"]:
            raise RuntimeError(f"the reference page failed between the pages: "
                               f"{numbers['non_2xx_3xx']} non-2xx/3xx, "
                               f"{numbers['socket_errors']} socket errors")
        return numbers["rps"]

    def beside_reference(key: str, url: str, *, after_other: bool = False, **kw) -> dict:
        """The page's run between two short runs of the reference (the second is the
        next page's first; `after_other`: another run came between, so a new first):
        its ratio to the reference at that moment. The same page moved by up to 1.5x
        between runs minutes apart on this shared machine."""
        if not around or after_other:
            around.append(reference_now())
        numbers = run(key, url, **kw)
        around.append(reference_now())
        numbers["reference_rps"] = statistics.mean(around[-2:])
        numbers["reference_runs"] = around[-2:]
        return numbers

    with stack, Server("samraad", "wsgi:app", env, logs, probe="/health") as server:
        run("reference", reference_url)  # the tables' reference (Samråd's server idle)
        reader = Client(server.port)
        reader.login(target.reader, password)
        headers = reader.wrk_headers()
        secretariat = Client(server.port)
        secretariat.login(target.secretariat, password)
        anonymous = Client(server.port).proxy_headers()
        anonymous = [f"{k}: {v}" for k, v in anonymous.items()]
        sizes = {}
        for key, path in target.pages.items():
            if key in ("public",):
                sizes[key] = check_page(Client(server.port), path)
            elif key == "audit":
                sizes[key] = check_page(secretariat, path)
            else:
                sizes[key] = check_page(reader, path)
        result["page_bytes"] = sizes
        prime(server.port, reader, [p for k, p in target.pages.items() if k != "audit"],
              server.workers)
        prime(server.port, secretariat, [target.pages["audit"]], server.workers)
        for key in ("proposals", "round", "board", "meeting", "register_search", "search",
                    "notifications"):
            beside_reference(key, server.base + target.pages[key], headers=headers)
        # The board as its poller asks for it while nothing changes: with the ETag of
        # what it shows (If-None-Match), answered 304 without building the board.
        _status, polled, _body = reader.request("GET", target.pages["board"],
                                                headers={"HX-Request": "true"})
        if polled.get("ETag"):
            run("board_304", server.base + target.pages["board"],
                headers=[*headers, "HX-Request: true", f"If-None-Match: {polled['ETag']}"])
        beside_reference("public", server.base + target.pages["public"], headers=anonymous,
                         after_other="board_304" in result["wrk"])
        beside_reference("audit", server.base + target.pages["audit"],
                         headers=secretariat.wrk_headers())
        stack.close()  # the reference server: the rest compares within Samråd
        for key in result["wrk"]:
            if key in sizes and result["wrk"][key]["bytes_per_request"] < 0.8 * sizes[key]:
                warning = (f"{key} answered {result['wrk'][key]['bytes_per_request']:.0f} "
                           f"bytes a request under wrk, {sizes[key]} when checked")
                result.setdefault("warnings", []).append(warning)
                print(f"  WARNING: {warning}")

        # The stored minutes PDF against the same bytes as a static file, same server.
        _status, _h, pdf_bytes = reader.get(target.pages["minutes_pdf"])
        static = ROOT / "static" / f"bench-{secrets.token_hex(8)}.pdf"
        try:
            static.write_bytes(pdf_bytes)
            run("minutes_pdf", server.base + target.pages["minutes_pdf"], headers=headers)
            run("static_pdf", f"{server.base}/static/{static.name}", headers=headers)
            front_server(target, env, logs, reader, pdf_bytes, static, run, result)
        finally:
            static.unlink(missing_ok=True)
        result["pdf_bytes"] = len(pdf_bytes)

        # Representatives of `connections` members change their positions as fast as wrk
        # sends, one per wrk thread and connection.
        round_id, people = open_bench_round(target, "position")
        writers = people[:load.connections]
        entries = []
        for member_id, email in writers:
            writer = Client(server.port)
            writer.login(email, password)
            path = f"/rounds/{round_id}/members/{member_id}/position"
            token = urllib.parse.quote(writer.token(path))
            entries.append(f"{{cookie={lua_string(writer.cookie_header())}, "
                           f"address={lua_string(writer.address)}, "
                           f"referer={lua_string(writer.referer(path))}, "
                           f"token={lua_string(token)}, path={lua_string(path)}}}")
        script = logs / "position.lua"
        script.write_text(POSITION_LUA.replace("__PEOPLE__", ", ".join(entries)))
        before: dict = {}
        # The pause: a change the warm-up left in flight would meet the same person's
        # next one, and the second would rightly be refused (409) as a concurrent edit.
        numbers = run("position", server.base + f"/rounds/{round_id}", script=script,
                      threads=len(writers), pause=3,
                      before=lambda: before.update(recorded(target, round_id)))
        after = recorded(target, round_id)
        result["position_changes"] = {"changes_recorded": after["changes"] - before["changes"],
                                      "requests_counted": numbers["requests"],
                                      "representatives": len(writers)}

        # Every representative registers once within the window.
        if (target.scale == "national" or args.registrations_everywhere
                or ("national" not in args.scales and target.scale == args.scales[-1])):
            print(f"  registrations: logging in {target.counts['members']} representatives ...")
            result["registrations"] = registrations(target, server, args.window, password,
                                                    not args.skip_audit_verify)
            r = result["registrations"]
            print(f"  {r['representatives']} registrations in {args.window:g} s: errors "
                  f"{r['errors']}, p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, "
                  f"recorded {r['recorded']['positions']} positions, "
                  f"{r['recorded']['audit_registered']} audit entries")
        result["tracebacks"] = server.tracebacks()

    # Scale-out: the same pages with 2 and 4 workers.
    if target.scale == args.scales[0]:
        result["workers"] = {}
        for workers in (1, 2, 4):
            with Server("samraad", "wsgi:app", env, logs, workers=workers,
                        probe="/health") as server:
                prime(server.port, reader, [target.pages["round"], target.pages["proposals"]],
                      workers)
                numbers = {}
                for key in ("round", "proposals"):
                    numbers[key] = wrk(server.base + target.pages[key], load, headers=headers)
                    print(f"  {workers} workers: {PAGES[key][0]:<36}"
                          f"{numbers[key]['rps']:>9.1f} req/s")
                result["workers"][str(workers)] = numbers
    return result


def scale_comparison(targets: dict[str, Target], load: Load, workdir: Path, password: str,
                     rounds: int = 3) -> dict:
    """The list pages at both scales with both servers up at once, their runs alternated
    (alliance, national, alliance, ...), `rounds` of each: the p50 at national against
    alliance as the median of each scale's runs. Measured minutes apart, in each scale's
    own table, the same page on this shared machine moved by up to 1.5x between two
    runs of the same scale (docs/benchmarks-profile.md), more than the budget allows."""
    short = Load(duration=min(load.duration, 5), warmup=min(load.warmup, 1),
                 connections=load.connections, threads=load.threads)
    result: dict = {"rounds": rounds, "duration_s": short.duration, "pages": {}}
    with contextlib.ExitStack() as stack:
        servers, headers = {}, {}
        for scale, target in targets.items():
            logs = workdir / f"{target.database}-{target.scale}"
            server = stack.enter_context(Server(f"samraad-{scale}", "wsgi:app",
                                                samraad_env(target), logs, probe="/health"))
            reader, secretariat = Client(server.port), Client(server.port)
            reader.login(target.reader, password)
            secretariat.login(target.secretariat, password)
            servers[scale] = server
            headers[scale] = {
                "reader": reader.wrk_headers(), "secretariat": secretariat.wrk_headers(),
                "anonymous": [f"{k}: {v}" for k, v in Client(server.port).proxy_headers().items()]}
        for key in LIST_PAGES:
            who = {"public": "anonymous", "audit": "secretariat"}.get(key, "reader")
            p50: dict[str, list[float]] = {scale: [] for scale in targets}
            for _ in range(rounds):
                for scale, target in targets.items():
                    numbers = wrk(servers[scale].base + target.pages[key], short,
                                  headers=headers[scale][who])
                    p50[scale].append(numbers["p50_ms"])
            median = {scale: statistics.median(values) for scale, values in p50.items()}
            growth = median["national"] / median["alliance"]
            result["pages"][key] = {"p50_ms": p50, "median_p50_ms": median, "growth": growth}
            print(f"  {PAGES[key][0]:<48} p50 national / alliance, alternated: "
                  f"{median['national']:.1f} / {median['alliance']:.1f} ms = {growth:.2f}x "
                  f"(runs: {p50['alliance']} / {p50['national']})")
    return result


# --- Budgets and the report -----------------------------------------------------------

def _against_reference(w: dict, key: str) -> tuple[float, str]:
    """A page's req/s over the reference's: the reference measured around the page's
    run where it was (`beside_reference`), else its one run at the start."""
    page = w[key]["rps"]
    if "reference_rps" in w[key]:
        reference = w[key]["reference_rps"]
        runs = " and ".join(f"{rps:.0f}" for rps in w[key]["reference_runs"])
        return page / reference, (f"{page:.0f} / {reference:.0f} = {page / reference:.2f}x "
                                  f"(the reference just before and after: {runs} req/s)")
    reference = w["reference"]["rps"]
    return page / reference, f"{page:.0f} / {reference:.0f} = {page / reference:.2f}x"


def budgets(results: dict, comparisons: dict | None = None) -> list[dict]:
    lines = []
    comparisons = comparisons or {}

    def line(database, scale, text, passed, detail):
        lines.append({"database": database, "scale": scale, "budget": text,
                      "result": "PASS" if passed else ("n/a" if passed is None else "FAIL"),
                      "detail": detail})

    for database, scales in results.items():
        for scale, r in scales.items():
            w = r["wrk"]
            if "board" in w and "reference" in w:
                # The round board: the board of members and positions the reference page
                # also renders (the fragment every open round page polls every 15 s).
                # The whole round page adds the proposal text, the history and the forms.
                ratio, detail = _against_reference(w, "board")
                line(database, scale, f"round board >= {BOARD_VS_REFERENCE}x the reference "
                     "page's req/s", ratio >= BOARD_VS_REFERENCE, detail)
            if scale == "national" and "search" in w and "register_search" in w:
                # Full-text search over proposals, agendas, minutes and decisions (issue
                # 18: 4) against the register's search over decisions alone.
                ratio = w["search"]["p50_ms"] / w["register_search"]["p50_ms"]
                line(database, scale, f"search p50 <= {SEARCH_VS_REGISTER}x the decision "
                     "register search's", ratio <= SEARCH_VS_REGISTER,
                     f"{w['search']['p50_ms']:.1f} / {w['register_search']['p50_ms']:.1f} ms"
                     f" = {ratio:.2f}x")
            if "reference" in w:
                for key in APP_PAGES:
                    if key not in w:
                        continue
                    ratio, detail = _against_reference(w, key)
                    line(database, scale, f"{PAGES[key][0]} >= {PAGE_VS_REFERENCE}x the "
                         "reference page's req/s", ratio >= PAGE_VS_REFERENCE, detail)
            if "minutes_pdf" in w:
                ratio = w["minutes_pdf"]["rps"] / w["static_pdf"]["rps"]
                line(database, scale, f"stored minutes PDF >= {STORED_VS_STATIC}x a static "
                     "file of the same size", ratio >= STORED_VS_STATIC,
                     f"{w['minutes_pdf']['rps']:.0f} / {w['static_pdf']['rps']:.0f} = "
                     f"{ratio:.2f}x ({r.get('pdf_bytes', 0) // 1024} KiB)")
            if "nginx_minutes_pdf" in w:
                ratio = w["nginx_minutes_pdf"]["rps"] / w["nginx_static_pdf"]["rps"]
                line(database, scale, f"stored minutes PDF through nginx (X-Accel-Redirect) >= "
                     f"{STORED_VS_STATIC}x a static file through it", ratio >= STORED_VS_STATIC,
                     f"{w['nginx_minutes_pdf']['rps']:.0f} / {w['nginx_static_pdf']['rps']:.0f}"
                     f" = {ratio:.2f}x; nginx's own static file "
                     f"{w['nginx_static_own']['rps']:.0f} req/s")
            if r.get("pdf"):
                p = r["pdf"]
                for kind in ("notice", "minutes"):
                    seconds = p[kind]["warm_median_s"]
                    line(database, scale, f"{kind} PDF of a {p['items']}-item meeting "
                         f"<= {PDF_SECONDS:g} s warm", seconds <= PDF_SECONDS,
                         f"{seconds:.2f} s (median of {len(p[kind]['warm_s'])})")
            if "registrations" in r:
                g = r["registrations"]
                n = g["representatives"]
                ok = (g["errors"] == 0 and g["recorded"]["positions"] == n
                      and g["recorded"]["audit_registered"] == n
                      and g["recorded"]["changes"] == n and not g["audit_chain_broken"]
                      and g["p99_ms"] is not None and g["p99_ms"] < REGISTRATION_P99_MS
                      and g["last_done_s"] <= REGISTRATION_WINDOW + 1)
                line(database, scale, f"{REGISTRATIONS} representatives register within "
                     f"{REGISTRATION_WINDOW:g} s: no error, none lost, p99 < "
                     f"{REGISTRATION_P99_MS:g} ms", ok if n >= REGISTRATIONS else
                     (None if ok else False),
                     f"{n} representatives, {g['errors']} errors, {g['recorded']['positions']} "
                     f"positions / {g['recorded']['changes']} changes / "
                     f"{g['recorded']['audit_registered']} audit entries recorded, p99 "
                     f"{g['p99_ms']:.0f} ms, last answer at {g['last_done_s']:.1f} s"
                     + ("" if n >= REGISTRATIONS else f" (only {n} members in the data)"))
        if "alliance" in scales and "national" in scales:
            alternated = comparisons.get(database, {}).get("pages", {})
            for key in LIST_PAGES:
                a = scales["alliance"]["wrk"].get(key)
                b = scales["national"]["wrk"].get(key)
                if not (a and b):
                    continue
                apart = (f"{b['p50_ms']:.1f} / {a['p50_ms']:.1f} ms = "
                         f"{b['p50_ms'] / a['p50_ms']:.2f}x")
                if key in alternated:  # the servers side by side, runs alternated
                    c = alternated[key]
                    growth = c["growth"]
                    detail = (f"alternated runs, medians {c['median_p50_ms']['national']:.1f} / "
                              f"{c['median_p50_ms']['alliance']:.1f} ms = {growth:.2f}x "
                              f"(the scales' own tables: {apart})")
                else:
                    growth, detail = b["p50_ms"] / a["p50_ms"], apart
                line(database, "national", f"{PAGES[key][0]}: p50 at national <= "
                     f"{SCALE_P50_GROWTH}x alliance", growth <= SCALE_P50_GROWTH, detail)
    return lines


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    ram = ""
    with contextlib.suppress(OSError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    versions = {name: _version(name) for name in (
        "flask", "werkzeug", "jinja2", "sqlalchemy", "flask-sqlalchemy", "gunicorn",
        "psycopg", "weasyprint", "flask-login", "flask-wtf", "flask-babel")}
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S607
    wrk_version = (done.stdout or done.stderr).splitlines()[0].split(" [")[0]
    return {"cpu": cpu, "cpus": os.cpu_count(), "ram": ram, "kernel": platform.release(),
            "os": _os_name(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "wrk": wrk_version, "packages": versions, "load_average_start": os.getloadavg()}


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _os_name() -> str:
    with contextlib.suppress(OSError):
        for text in Path("/etc/os-release").read_text().splitlines():
            if text.startswith("PRETTY_NAME="):
                return text.split("=", 1)[1].strip('"')
    return platform.system()


def postgres_version(admin_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(_psycopg(admin_url + "/postgres"))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def report(data: dict) -> str:
    m, settings = data["machine"], data["settings"]
    out = ["# Benchmarks", "",
           "Written by `make bench` (`benchmarks/bench.py`); the raw numbers, wrk's own "
           "output included, are in `benchmarks/results/bench.json`. Numbers from one "
           "machine at one moment: compare the ratios, not the absolutes.", ""]
    if settings["quick"]:
        out += ["**This is a `--quick` run** (short durations, for development): its "
                "numbers are noisier than a full run's.", ""]
    out += ["## Machine", "",
            f"- measured {data['measured_at']}; {m['cpus']} CPUs ({m['cpu']}), {m['ram']} RAM, "
            f"{m['os']}, Linux {m['kernel']}; load average at the start "
            f"{' '.join(f'{x:.2f}' for x in m['load_average_start'])}",
            f"- Python {m['python']}, " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
            f"- SQLite {m['sqlite']}, PostgreSQL {data.get('postgresql_version') or '–'} "
            "(on the same machine, 127.0.0.1), " + m["wrk"],
            "- client and server share the machine's CPUs: wrk's own CPU time is taken from "
            "the server's", "",
            "## How it was measured", "",
            "```sh", f"make bench BENCH_ARGS=\"{settings['argv']}\"", "```", "",
            "- gunicorn `--workers 4 --worker-class sync --no-control-socket` on "
            "127.0.0.1, one server at a time (but for the reference beside the pages "
            "and the comparison of the scales below); Samråd in the production configuration "
            "(`SAMRAAD_CONFIG=production`, a random `SECRET_KEY`, the `__Host-session` "
            "cookie, HSTS, argon2 at full cost, the login limit at its default with "
            "in-process counters) behind one proxy (`PROXY_COUNT=1`) that the benchmark's "
            "clients stand in for: plain http on loopback, each client sending "
            "`X-Forwarded-Proto: https` and its own `X-Forwarded-For`, as a TLS proxy "
            "would for people at their own computers (TLS itself is not measured). "
            "`TOTP_REQUIRED_ROLES` is empty because the secretariat only appears in the "
            "setup; nobody measured logs in with a code.",
            f"- every page: `wrk -t{settings['threads']} -c{settings['connections']} "
            f"-d{settings['duration']:g}s --latency --timeout 10s` after a "
            f"{settings['warmup']:g} s warm-up run, with the session cookie of a "
            "representative who logged in over HTTP (CSRF token from the login form); the "
            "hello world, the reference page and the public register without a login. "
            "Before each run the page is fetched once and must answer 200.",
            "- national against alliance (the lists' budget): once an engine's two scales "
            "are measured, their two servers are started side by side and each list page "
            "is run at alliance and national scale in turn, 3 times each (5 s, after 1 s "
            "of warm-up); the budget takes each scale's median p50. The p50s of the "
            "scales' own tables, measured minutes apart, are given beside it: on this "
            "shared machine the same page at the same scale moved by up to 1.5x between "
            "two such runs.",
            "- a page against the reference page (the pages' budgets): the reference "
            "server stays up beside Samråd's, and a short run of the reference (5 s, "
            "after 1 s of warm-up) is made before the first page and after each page; "
            "a page's ratio is to the mean of the runs just before and after it. The "
            "tables' own column against the reference takes its one run at the start, "
            "minutes before most pages.",
            "- board fragment: asked again and again by the same reader without an ETag, "
            "it is sent from the render the worker keeps for everyone who sees the board "
            "alike (proposals/views.py `_rendered_board`), as every poller but the first "
            "gets it after a change; the first builds it, as the round page does "
            "(`benchmarks/profile_pages.py --pages board,board_built` measures both "
            "in-process, docs/benchmarks-profile.md).",
            "- hello world: `benchmarks/hello.py`; reference page: `benchmarks/reference.py` "
            "(Flask + Flask-SQLAlchemy, the members of the same round with their "
            "subregions and positions, two queries, a plain Jinja table; no login, no "
            "sessions, no CSRF, no translations, no security headers).",
            "- the data: a fresh database per engine and scale, `flask db upgrade`, then "
            "the command named in each table. PostgreSQL is `VACUUM ANALYZE`d after the "
            "fill, as autovacuum would have done.",
            "- position registration (POST): in a new round of every member, the "
            f"representatives of {settings['connections']} members (one per wrk thread and "
            "connection, each with its own login and the form's CSRF token) change their "
            "members' positions as fast as wrk sends, a new comment each time, so every "
            "request is a change (a position change and an audit entry), answered 303 as "
            "the form without JavaScript is. wrk counts the answers by status.",
            f"- registrations: a new consent round of every member; each member's "
            "representative logs in over HTTP and opens the form (not timed), then all "
            f"post their position at moments spread at random over {settings['window']:g} s "
            "(open loop); afterwards the positions, position changes and audit entries of "
            "the round are counted in the database and the audit chain is verified.",
            f"- PDFs: a meeting of {settings['meeting_items']} agenda items (background "
            "text from benchmarks/pdf_notice.py, every other item with a 3-page attachment) "
            "made through the services as the secretariat and a chair make one: notice "
            "published, held, minutes written for every item, approved by the chair, "
            "each PDF rendered and stored by the app's own code. Then the notice and "
            "minutes rendered again by `decisions.meetings.pdf` in that process, warm "
            f"(WeasyPrint loaded, a document rendered), {settings['pdf_repeat']} times "
            "each (median), as a gunicorn worker renders them when publishing or "
            "approving. This meeting is also the meeting page measured.",
            "- stored minutes against static: the approved minutes PDF "
            "(`/meetings/<id>/documents/minutes.pdf`, read from `FILE_STORAGE`) against "
            "the same bytes copied to `static/` under a random name (removed afterwards), "
            "through the same gunicorn, both with the session cookie.", ""]
    for database, scales in data["results"].items():
        for scale, r in scales.items():
            w = r["wrk"]
            hello = w.get("hello", {}).get("rps")
            reference = w.get("reference", {}).get("rps")
            c = r["counts"]
            out += [f"## {database}, `{scale}` scale", "",
                    f"Data: `{r['data']}`: {c.get('members')} members, {c.get('users')} "
                    f"users, {c.get('proposals')} proposals, {c.get('rounds')} rounds, "
                    f"{c.get('decisions')} decisions, {c.get('meetings')} meetings, "
                    f"{c.get('agenda_items')} agenda items. Round {r['round']} "
                    f"({r['round_members']} members), meeting of {r['meeting_items']} items, "
                    f"search word `{r['search_word']}`, read as `{r['reader']}`.", "",
                    "| page | path | req/s | p50 ms | p99 ms | × hello | × reference |",
                    "|---|---|---:|---:|---:|---:|---:|"]
            for key, numbers in w.items():
                path = r["pages"].get(key, {"hello": "/", "reference": f"/rounds/{r['round']}",
                                            "position": "POST …/position",
                                            "static_pdf": "/static/bench-….pdf",
                                            "board_304": r["pages"].get("board", ""),
                                            "nginx_minutes_pdf": r["pages"].get("minutes_pdf", ""),
                                            "nginx_static_pdf": "/static/bench-….pdf",
                                            "nginx_static_own": "/nginx-static/bench-….pdf",
                                            }.get(key, ""))
                out.append(f"| {PAGES[key][0]} | `{path}` | {_fmt(numbers['rps'])} | "
                           f"{_fmt(numbers['p50_ms'], 2)} | {_fmt(numbers['p99_ms'], 2)} | "
                           f"{_fmt(numbers['rps'] / hello, 3) if hello else '–'} | "
                           f"{_fmt(numbers['rps'] / reference, 2) if reference else '–'} |")
            out.append("")
            bad = {k: v for k, v in w.items() if v["non_2xx_3xx"] or v["socket_errors"]}
            for key, v in bad.items():
                out.append(f"- {PAGES[key][0]}: {v['non_2xx_3xx']} answers not 2xx/3xx, "
                           f"{v['socket_errors']} socket errors"
                           + (f"; answers by status: {v['statuses']}." if v.get("statuses")
                              else ".")
                           + "".join(f" Refused {r}." for r in v.get("refusals", [])))
            if "position_changes" in r:
                pc = r["position_changes"]
                out.append(f"- position registration: {pc['changes_recorded']} position "
                           f"changes recorded during the measured run, {pc['requests_counted']}"
                           " requests counted by wrk (a request in flight when wrk stops is "
                           "recorded but not counted); answers by status: "
                           f"{w['position'].get('statuses')}.")
            if "registrations" in r:
                g = r["registrations"]
                out.append(f"- registrations: {g['representatives']} representatives logged "
                           f"in in {g['login_s']:.0f} s (not timed); answers "
                           f"{g['statuses']}; p50 {_fmt(g['p50_ms'], 0)} ms, p99 "
                           f"{_fmt(g['p99_ms'], 0)} ms, max {_fmt(g['max_ms'], 0)} ms; "
                           f"recorded {g['recorded']['positions']} positions, "
                           f"{g['recorded']['changes']} changes, "
                           f"{g['recorded']['audit_registered']} audit entries; round "
                           f"outcome {g['recorded']['outcome']}; "
                           + ("audit chain not verified (--skip-audit-verify)."
                              if g["audit_chain_broken"] is None else
                              f"audit chain {'BROKEN' if g['audit_chain_broken'] else 'intact'}"
                              f" (verified in {g['audit_verify_s']:.0f} s)."))
            if r.get("pdf"):
                p = r["pdf"]
                out.append(f"- PDFs of the {p['items']}-item meeting: notice "
                           f"{p['notice']['warm_median_s']:.2f} s warm "
                           f"({p['notice']['bytes'] // 1024} KiB), minutes "
                           f"{p['minutes']['warm_median_s']:.2f} s warm "
                           f"({p['minutes']['bytes'] // 1024} KiB); through the services: "
                           f"publishing the notice (notice and meeting pack rendered and "
                           f"stored) {p['publish_notice_s']:.2f} s, approving the minutes "
                           f"(rendered and stored) {p['approve_minutes_s']:.2f} s.")
            for warning in r.get("warnings", []):
                out.append(f"- **Warning:** {warning}.")
            if r.get("tracebacks"):
                out.append(f"- **{r['tracebacks']} tracebacks in Samråd's gunicorn log.**")
            out.append("")
    out += ["## Budgets", "", "| database | scale | budget | result | measured |",
            "|---|---|---|---|---|"]
    for b in data["budgets"]:
        out.append(f"| {b['database']} | {b['scale']} | {b['budget']} | **{b['result']}** | "
                   f"{b['detail']} |")
    out += ["", "## Workers: 1, 2 and 4", "",
            "The same pages, same data (the first scale measured), gunicorn with 1, 2 and "
            "then 4 sync workers.", "",
            "| database | page | 1 worker req/s | 2 workers req/s | 4 workers req/s | 2 / 1 "
            "| 4 / 2 |", "|---|---|---:|---:|---:|---:|---:|"]
    for database, scales in data["results"].items():
        for _scale, r in scales.items():
            if "workers" not in r:
                continue
            for key in ("round", "proposals"):
                one, two, four = (r["workers"][n][key]["rps"] for n in ("1", "2", "4"))
                out.append(f"| {database} | {PAGES[key][0]} | {_fmt(one)} | {_fmt(two)} | "
                           f"{_fmt(four)} | {two / one:.2f} | {four / two:.2f} |")
    out += ["", f"On {m['cpus']} CPUs shared with wrk and the database, workers beyond the "
            "CPU count add little; more hosts (see docs/deploying.md) add CPUs.", ""]
    return "\n".join(out)


def print_budgets(lines: list[dict]) -> None:
    print("\nBudgets:")
    for b in lines:
        print(f"  {b['result']:<5}{b['database']:<11}{b['scale']:<10}{b['budget']}: "
              f"{b['detail']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="short runs for development: 3 s a page, 1 s warm-up, "
                             "registrations over 20 s, alliance scale only")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--scales", default=None, help="default alliance,national")
    parser.add_argument("--duration", type=float, default=None, help="seconds a page (10)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds (2)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--window", type=float, default=None,
                        help=f"seconds for the registrations ({REGISTRATION_WINDOW:g})")
    parser.add_argument("--pdf-repeat", type=int, default=3)
    parser.add_argument("--meeting-items", type=int, default=20)
    parser.add_argument("--skip-audit-verify", action="store_true",
                        help="do not verify the whole audit chain after the registrations "
                             "(about a minute at national scale)")
    parser.add_argument("--registrations-everywhere", action="store_true",
                        help="run the registrations at every scale, not only national "
                             "(or the last scale when national is not measured)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432",
                        help="server URL without a database; the benchmark makes "
                             "samraad_bench_http_<scale> on it")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the databases (SQLite under /tmp/samraad-bench-data) and "
                             "reuse them when they hold data")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite docs/benchmarks.md from benchmarks/results/bench.json")
    args = parser.parse_args()
    # Stopped (Ctrl-C, kill): unwind, so that our servers stop and the copy in static/ goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = RESULTS / "bench.json"
    if args.report_only:
        data = json.loads(out.read_text())
        REPORT.write_text(report(data))
        print(f"written to {REPORT}")
        return
    args.scales = (args.scales or ("alliance" if args.quick else "alliance,national")).split(",")
    args.databases = args.databases.split(",")
    load = Load(duration=args.duration or (3 if args.quick else 10),
                warmup=args.warmup if args.warmup is not None else (1 if args.quick else 2),
                connections=args.connections, threads=args.threads)
    args.window = args.window or (20 if args.quick else REGISTRATION_WINDOW)
    from decisions.demo.data import DEMO_PASSWORD

    argv = " ".join(sys.argv[1:])
    data = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(), "postgresql_version": None,
            "settings": {"argv": argv, "quick": args.quick, "duration": load.duration,
                         "warmup": load.warmup, "connections": load.connections,
                         "threads": load.threads, "window": args.window,
                         "pdf_repeat": args.pdf_repeat, "meeting_items": args.meeting_items,
                         "databases": args.databases,
                         "scales": args.scales},
            "results": {}}
    if "postgresql" in args.databases:
        data["postgresql_version"] = postgres_version(args.postgres)
    started = time.perf_counter()
    keep = Path(tempfile.gettempdir()) / "samraad-bench-data" if args.reuse else None
    workdir = keep or Path(tempfile.mkdtemp(prefix="samraad-bench-", dir="/tmp"))
    workdir.mkdir(exist_ok=True)
    try:
        for database in args.databases:
            data["results"][database] = {}
            search_word = None
            targets = {}
            for scale in args.scales:
                print(f"\n== {database}, {scale} scale")
                url = (f"sqlite:///{workdir / f'{scale}.sqlite'}" if database == "sqlite"
                       else f"{args.postgres}/samraad_bench_http_{scale}")
                target = Target(database, scale, url, workdir / f"files-{database}-{scale}")
                prepare(target, args)
                target.pdf = build_meeting(target, args.meeting_items, args.pdf_repeat)
                print(f"  meeting {target.meeting} ({target.pdf['items']} items): notice "
                      f"{target.pdf['notice']['warm_median_s']:.2f} s, minutes "
                      f"{target.pdf['minutes']['warm_median_s']:.2f} s warm")
                discover(target, search_word)
                search_word = target.search_word
                data["results"][database][scale] = measure(target, args, load, workdir,
                                                           DEMO_PASSWORD)
                targets[scale] = target
            if {"alliance", "national"} <= set(targets):
                print(f"\n== {database}: national against alliance, alternated")
                data.setdefault("scale_comparison", {})[database] = scale_comparison(
                    {s: targets[s] for s in ("alliance", "national")}, load, workdir,
                    DEMO_PASSWORD)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    data["elapsed_s"] = time.perf_counter() - started
    data["budgets"] = budgets(data["results"], data.get("scale_comparison"))
    print_budgets(data["budgets"])
    RESULTS.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=2, default=str) + "\n")
    REPORT.write_text(report(data))
    print(f"\n{data['elapsed_s'] / 60:.1f} minutes; written to {out} and {REPORT}")


if __name__ == "__main__":
    main()
