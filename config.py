"""Configuration classes, read from the environment (see README, "Configuration")."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(value: str) -> str:
    """postgresql://... as most tools write it, driven by psycopg 3 (the one installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'samraad.sqlite'}"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Seconds to wait for the database before the 503 page (decisions/connections.py):
    # to connect, for a statement (0: no limit), for a free connection of the pool.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "20"))
    DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "en")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # Failed logins (see README, "Login attempts and locks"): per account before it
    # locks for the clients that failed, per client address before that address is
    # refused for every account, the window they are counted in and the lock.
    LOGIN_MAX_FAILURES = 5
    # Owners of follow-up items are reminded this many days before the due date, and on it.
    FOLLOWUP_REMIND_DAYS = int(os.environ.get("FOLLOWUP_REMIND_DAYS", "7"))
    LOGIN_CLIENT_MAX_FAILURES = int(os.environ.get("LOGIN_CLIENT_MAX_FAILURES", "20"))
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_LOCK_MINUTES = 15
    # argon2id cost (RFC 9106's second recommended set: 3 passes, 64 MiB).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    # Roles that must log in with a second factor (TOTP); others may choose it.
    TOTP_REQUIRED_ROLES = tuple(r for r in os.environ.get(
        "TOTP_REQUIRED_ROLES", "secretariat,admin").split(",") if r)
    # How long the link of an invitation to join works.
    INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))
    # Fernet keys that encrypt second-factor secrets at rest, newest first; older keys
    # only decrypt until `flask users rotate-totp-key` has re-encrypted with the newest.
    TOTP_ENCRYPTION_KEYS = [k for k in os.environ.get("TOTP_ENCRYPTION_KEYS", "").split(",")
                            if k.strip()]
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_ABSOLUTE_HOURS = int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12"))
    ALLIANCE_NAME = os.environ.get("ALLIANCE_NAME", "Osloregionen")
    # Whom the notice asks to be told of apologies ("Forfall meldes til ..."); when
    # empty, the holder of the group's secretary seat.
    APOLOGIES_TO = os.environ.get("APOLOGIES_TO", "")
    # Where the accessibility statement sends feedback (an address that is read).
    ACCESSIBILITY_CONTACT = os.environ.get("ACCESSIBILITY_CONTACT",
                                           "postmottak@osloregionen.no")
    # Uploaded attachments and published PDFs; never under static/.
    FILE_STORAGE = os.environ.get("FILE_STORAGE", str(INSTANCE_DIR / "files"))
    # Who sends a stored PDF once the app has said who may read it: "direct" (the app
    # streams it), "x-accel" (nginx, from the internal location FILE_ACCEL_PREFIX) or
    # "x-sendfile" (Apache mod_xsendfile, lighttpd: the file's absolute path).
    FILE_SENDING = os.environ.get("FILE_SENDING", "direct")
    FILE_ACCEL_PREFIX = os.environ.get("FILE_ACCEL_PREFIX", "/_stored/")
    # Seconds a process sends a stored PDF again to the session that was just allowed
    # to read it, without asking the database (decisions/files/grants.py); also the
    # longest a change of rights by another process waits to apply to it. 0: never.
    DOWNLOAD_GRANT_SECONDS = float(os.environ.get("DOWNLOAD_GRANT_SECONDS", "10"))
    # What writes the notice, pack and minutes PDFs: "weasyprint" (the archival PDF/A);
    # "stub" writes a blank page with the title, for tests that are not about the PDFs.
    PDF_RENDERER = "weasyprint"
    ATTACHMENT_MAX_MB = int(os.environ.get("ATTACHMENT_MAX_MB", "25"))
    ATTACHMENT_MAX_PAGES = int(os.environ.get("ATTACHMENT_MAX_PAGES", "500"))
    # A request may carry one attachment and its form fields, no more.
    MAX_CONTENT_LENGTH = (ATTACHMENT_MAX_MB + 1) * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    # Where users reach Samråd: the links in emails and calendar files start with it.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # Email (sent by `flask sweep`): an SMTP server, STARTTLS or TLS, optional login.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_STARTTLS = _bool("MAIL_USE_STARTTLS", False)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)  # TLS from the first byte (port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Samråd <samraad@localhost>")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))
    # The daily digest goes out at the first sweep after this hour, Oslo time.
    DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", "7"))
    # Attempts per client address at the login, code and password forms (on top of
    # the account lock). With several workers or hosts the counters must be shared:
    # RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0. "memory://" counts per process.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "20 per minute;200 per hour")
    RATELIMIT_PASSWORD_RESET = os.environ.get("RATELIMIT_PASSWORD_RESET", "10 per hour")
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a refusal
    RATELIMIT_KEY_PREFIX = "samraad"
    # Proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted: the client address the limits count, and https.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))


class DevelopmentConfig(Config):
    """`make run`: a local SQLite file, cookies over plain http."""

    # Unless the environment gives them, keys are made at random on the first run and
    # kept in instance/ (never a key published with the code).
    SECRET_KEY_FILE = str(INSTANCE_DIR / "secret_key")
    TOTP_KEY_FILE = str(INSTANCE_DIR / "totp_key")
    # The demo's published logins work without an authenticator app.
    TOTP_REQUIRED_ROLES = tuple(r for r in os.environ.get("TOTP_REQUIRED_ROLES", "").split(",")
                                if r)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)


class TestConfig(Config):
    TESTING = True
    RATELIMIT_ENABLED = False  # tests/test_rate_limits.py switches it on
    TOTP_REQUIRED_ROLES = ()  # the tests of the second factor switch it on
    SECRET_KEY = "test-only"  # noqa: S105 - tests only, not a secret
    TOTP_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LXRvdHAta2V5LW5vdC1hLXNlY3JldCE="]  # tests only
    SESSION_COOKIE_SECURE = False
    # WeasyPrint takes a second or more a document: tests about the PDFs ask for it
    # with @pytest.mark.real_pdf (tests/conftest.py), the rest get the stub.
    PDF_RENDERER = "stub"
    # The tests pass the database URL; hashing is made cheap, not different.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    # Served over HTTPS only: the browser is told to keep to it, and the session
    # cookie is bound to this host and path (no Domain attribute can widen it).
    HSTS = True
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
