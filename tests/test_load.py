"""Load: 64 representatives register their positions at the same moment through
gunicorn with 4 workers, while the secretariat and a board member read the round;
nothing errors and nothing is lost, on SQLite and on PostgreSQL.

The app runs as it does in production (gunicorn, separate worker processes, real
HTTP on loopback); the clients are threads with their own sessions and CSRF tokens.
"""

import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.chain import verify
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.proposals.models import Position, PositionChange
from tests.conftest import free_port
from tests.factories import PASSWORD

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 64
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A client with its own cookies, as one person's browser."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, path: str) -> str:
        status, html = self.get(path)
        assert status == 200, (path, status)
        return TOKEN.search(html).group(1)

    def login(self, email: str) -> None:
        token = self.token("/login")
        status, _html = self.post("/login", {"email": email, "password": PASSWORD,
                                             "csrf_token": token})
        assert status == 200, status  # followed the redirect to the start page


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "SAMRAAD_CONFIG": "test", "DATABASE_URL": database_url,
           "FILE_STORAGE": str(tmp_path / "files"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start: {process.stderr.read()}")
    yield base
    process.terminate()
    _out, errors = process.communicate(timeout=30)
    assert "Traceback" not in errors, errors


def test_64_representatives_at_once_with_readers_lose_nothing(app, make, clock, gunicorn):
    clock.set(datetime.now(UTC))  # gunicorn's workers run on the real clock
    sec = make.user(Role.SECRETARIAT)
    board_member = make.user(Role.BOARD)
    members = make.members(MEMBERS)
    reps = [make.representative(m) for m in members]
    round_ = make.round_(sec, members)
    round_id = round_.id
    people = [(rep.email, m.id) for rep, m in zip(reps, members, strict=True)]
    readers_login = [sec.email, board_member.email]
    db.session.commit()

    browsers, tokens = [], []
    for email, member_id in people:  # signed in and on the form, ready to send
        browser = Browser(gunicorn)
        browser.login(email)
        tokens.append(browser.token(f"/rounds/{round_id}/members/{member_id}/position"))
        browsers.append(browser)
    barrier = threading.Barrier(MEMBERS)
    answers: list[int] = []
    reading, read_statuses = threading.Event(), []

    def register(browser: Browser, member_id: int, token: str) -> None:
        barrier.wait()
        status, html = browser.post(
            f"/rounds/{round_id}/members/{member_id}/position",
            {"kind": "support", "comment": "", "csrf_token": token})
        answers.append(status)
        if status != 200:
            print(html[html.find("<main"):][:2000])  # what the refusal said

    def read(email: str) -> None:
        browser = Browser(gunicorn)
        browser.login(email)
        while not reading.is_set():
            for path in (f"/rounds/{round_id}", f"/rounds/{round_id}/board"):
                read_statuses.append(browser.get(path)[0])

    readers = [threading.Thread(target=read, args=(email,)) for email in readers_login]
    writers = [threading.Thread(target=register, args=(b, m, t)) for b, (_e, m), t
               in zip(browsers, people, tokens, strict=True)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    reading.set()
    for thread in readers:
        thread.join(timeout=60)

    assert sorted(set(answers)) == [200] and len(answers) == MEMBERS  # 303 followed
    assert read_statuses and set(read_statuses) == {200}
    db.session.commit()
    count = lambda model, *where: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(*where))
    assert count(Position, Position.round_id == round_id) == MEMBERS
    assert count(PositionChange, PositionChange.round_id == round_id) == MEMBERS
    assert count(AuditEntry, AuditEntry.act == "position.registered") == MEMBERS
    assert verify(db.session) == []
