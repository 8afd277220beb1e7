#!/usr/bin/env bash
# Called by `make test`: start what the suite needs when it is installed but not running
# (Redis on 127.0.0.1:6379; PostgreSQL and its test database when TEST_DATABASE_URL is
# set), and say in one line what could not be started and how to get it. Never fails:
# the tests that need a missing service say so themselves.

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! listening 6379; then
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p "${TMPDIR:-/tmp}/samraad-redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir "${TMPDIR:-/tmp}/samraad-redis" >/dev/null
    for _ in $(seq 1 30); do listening 6379 && break; sleep 0.2; done
  fi
  listening 6379 || echo "make test: Redis is not running on 127.0.0.1:6379 and could not be started (apt-get install redis-server); the shared attempt-limit test will fail."
fi

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  name="${TEST_DATABASE_URL##*/}"; name="${name%%\?*}"
  server="${TEST_DATABASE_URL%/*}/postgres"
  if ! psql "$server" -tAc "SELECT 1" >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null 2>&1; then
    version="$(ls /etc/postgresql 2>/dev/null | head -n 1)"
    [ -n "$version" ] && pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1
    for _ in $(seq 1 30); do psql "$server" -tAc "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
  fi
  if psql "$server" -tAc "SELECT 1" >/dev/null 2>&1; then
    psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
      || psql "$server" -qc "CREATE DATABASE \"$name\"" >/dev/null
  else
    echo "make test: PostgreSQL at ${TEST_DATABASE_URL%/*} does not answer (apt-get install postgresql postgresql-client, or unset TEST_DATABASE_URL to test on SQLite only)."
  fi
fi
exit 0
