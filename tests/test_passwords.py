"""Passwords: 12 to 128 characters, not common, not guessable, not the email address;
argon2id hashes redone when the cost parameters change."""

import pytest
from argon2 import PasswordHasher

from decisions.accounts import passwords
from decisions.accounts.models import Role
from decisions.accounts.services import authenticate
from decisions.errors import DomainError
from decisions.extensions import db


@pytest.mark.parametrize("password", [
    "qwerty123456",          # on the list as it is
    "QWERTY123456",          # on the list, in other case
    "sonyericsson2024!",     # a listed password with digits and a sign after it
    "passwordpassword",      # one word said twice
    "abcabcabcabcabc",       # a short piece repeated
    "aaaaaaaaaaaabbb",       # three different characters
    "kari.nordmann.is.here", # the email address's local part
])
def test_a_common_or_guessable_password_is_refused(password):
    assert passwords.problem(password, email="kari.nordmann@asker.kommune.no") is not None


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_a_password_shorter_than_12_or_longer_than_128_is_refused(password):
    assert "12 to 128" in str(passwords.problem(password)) or \
        "12 til 128" in str(passwords.problem(password))


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "Fjord-Lønnsom-Tavle-82", "x" * 6 + "yz" * 3 + "q" * 4])
def test_a_long_uncommon_password_is_accepted(password):
    assert passwords.problem(password, email="kari@asker.kommune.no") is None


def test_the_list_shipped_with_the_app_is_the_30000_common_passwords():
    common = passwords.common_passwords()
    assert len(common) == 30000 and "password" in common and "123456" in common


def test_creating_a_user_with_a_common_password_is_refused_next_to_the_field(app, make):
    with pytest.raises(DomainError) as refused:
        make.user(Role.SECRETARIAT, password="1qaz2wsx3edc")
    assert refused.value.field == "password"


def test_a_hash_made_with_other_cost_parameters_is_redone_at_login(app, make):
    user = make.user(Role.BOARD, password="correct horse battery staple")
    old = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1)
    user.password_hash = old.hash("correct horse battery staple")
    db.session.commit()

    assert authenticate(user.email, "correct horse battery staple", client="127.0.0.1")
    db.session.commit()
    db.session.refresh(user)

    assert user.password_hash.startswith("$argon2id$") and "m=8," in user.password_hash
