"""Second-factor secrets encrypted at rest: whoever reads a backup or the database
cannot make codes without the key, which lives in the environment
(TOTP_ENCRYPTION_KEYS, newest first; the others still decrypt, for rotation)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class MissingKey(RuntimeError):
    pass


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in current_app.config.get("TOTP_ENCRYPTION_KEYS") or [] if k.strip()]
    if not keys:
        raise MissingKey("TOTP_ENCRYPTION_KEYS is not set; see README, Configuration.")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise MissingKey("A second-factor secret does not open with any key in "
                         "TOTP_ENCRYPTION_KEYS (was a key removed before "
                         "`flask users rotate-totp-key`?).") from None


def is_encrypted(value: str) -> bool:
    """A Fernet token (version byte 0x80, base64url) rather than a base32 secret."""
    return value.startswith("gAAAA")


def new_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedSecret(TypeDecorator):
    """A short secret stored as a Fernet token: the code reads and writes the secret,
    the database only ever holds the token."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
