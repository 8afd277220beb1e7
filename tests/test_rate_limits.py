"""Attempts at the login, code and password-reset forms are limited per client address;
with Redis the count is shared by every worker and host (two apps here, as two hosts)."""

import pytest
import redis

from decisions import create_app
from decisions.extensions import limiter
from tests.factories import PASSWORD

REDIS = "redis://127.0.0.1:6379/15"


def _app(database_url, tmp_path, **config):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url,
                     FILE_STORAGE=str(tmp_path / "files"), WTF_CSRF_ENABLED=False,
                     RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="5 per minute",
                     RATELIMIT_PASSWORD_RESET="3 per hour", **config)
    if "RATELIMIT_STORAGE_URI" not in config:
        limiter.reset()  # the process's memory: the counts of earlier tests
    return app


def _wrong_login(client, address: str = "192.0.2.10"):
    return client.post("/login", data={"email": "nobody@example.test", "password": "feil"},
                       environ_base={"REMOTE_ADDR": address})


def test_the_sixth_login_attempt_in_a_minute_is_refused_with_a_clear_page(
        app, database_url, tmp_path):
    limited = _app(database_url, tmp_path)
    client = limited.test_client()
    assert [_wrong_login(client).status_code for _ in range(5)] == [401] * 5

    refused = _wrong_login(client)

    assert refused.status_code == 429
    assert "For mange forsøk" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Reading the page is not an attempt; another address has its own count.
    assert client.get("/login", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200
    assert _wrong_login(client, "192.0.2.99").status_code == 401


def test_a_right_password_after_the_limit_is_refused_too(app, make, database_url, tmp_path):
    user = make.user()
    client = _app(database_url, tmp_path).test_client()
    for _ in range(5):
        _wrong_login(client)
    right = client.post("/login", data={"email": user.email, "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert right.status_code == 429


def test_password_reset_requests_are_limited(app, make, database_url, tmp_path):
    client = _app(database_url, tmp_path).test_client()
    asks = [client.post("/password/forgot", data={"email": "someone@example.test"}).status_code
            for _ in range(4)]
    assert asks[:3] == [303] * 3 and asks[3] == 429


def test_behind_a_proxy_the_limit_counts_the_forwarded_client_address(
        app, database_url, tmp_path):
    client = _app(database_url, tmp_path, PROXY_COUNT=1).test_client()

    def attempt(client_address: str):
        return client.post("/login", data={"email": "x@example.test", "password": "feil"},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           headers={"X-Forwarded-For": client_address})

    for _ in range(5):
        attempt("198.51.100.1")
    assert attempt("198.51.100.1").status_code == 429
    assert attempt("198.51.100.2").status_code == 401  # same proxy, another person


@pytest.fixture
def shared_store():
    """Redis database 15, kept for the tests and emptied before and after."""
    store = redis.Redis.from_url(REDIS)
    try:
        store.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 "
                    "(make test starts it when redis-server is installed)")
    store.flushdb()
    yield store
    store.flushdb()


def test_with_redis_two_hosts_share_one_count(app, database_url, tmp_path, shared_store):
    hosts = [_app(database_url, tmp_path, RATELIMIT_STORAGE_URI=REDIS).test_client()
             for _ in range(2)]
    statuses = [_wrong_login(hosts[i % 2]).status_code for i in range(5)]
    assert statuses == [401] * 5
    assert shared_store.dbsize() > 0  # the count is in Redis, not in this process

    assert _wrong_login(hosts[0]).status_code == 429
    assert _wrong_login(hosts[1]).status_code == 429
