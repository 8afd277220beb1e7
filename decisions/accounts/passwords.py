"""What makes a password unacceptable (OWASP ASVS 5.0 V6.2): its length, and being
common or guessable. The list of common passwords ships with the app."""

import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_LIST = Path(__file__).with_name("common-passwords.txt")
_TRAILING = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _is_repetition(text: str) -> bool:
    """"passwordpassword", "abcabcabcabc": one short piece said again and again."""
    return any(len(text) % size == 0 and text[:size] * (len(text) // size) == text
               for size in range(1, len(text) // 2 + 1))


def problem(password: str, *, email: str = "") -> str | None:
    """Why the password may not be used, or None."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return _l("The password must be %(min)s to %(max)s characters long.",
                  min=MIN_LENGTH, max=MAX_LENGTH)
    lowered = password.lower()
    stem = _TRAILING.sub("", lowered)
    common = common_passwords()
    if lowered in common or (len(stem) >= 6 and stem in common) or _is_repetition(lowered) \
            or len(set(lowered)) <= 3:
        return _l("This password is too common or too easy to guess. Choose another, for "
                  "example a few unrelated words.")
    local = email.lower().partition("@")[0]
    if len(local) >= 4 and local in lowered:
        return _l("The password must not contain your email address.")
    return None
