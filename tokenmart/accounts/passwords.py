"""Password hashing with Argon2id (OWASP ASVS 5.0).

The default profile is argon2-cffi's RFC 9106 low-memory profile (64 MiB, t=3); the
"fast" profile exists only so the test suite does not spend minutes hashing.
"""

from __future__ import annotations

import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_HASHERS = {
    "default": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
# Verifying against a dummy hash when the user does not exist keeps timing uniform; one
# per profile, so the dummy costs what a real hash of that profile costs.
_DUMMY = {name: hasher.hash("tokenmart-dummy-password") for name, hasher in _HASHERS.items()}


def _profile() -> str:
    return current_app.config.get("PASSWORD_HASH_PROFILE", "default")


def _hasher() -> PasswordHasher:
    return _HASHERS[_profile()]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        profile = _profile()
        return (_HASHERS[profile].verify(password_hash or _DUMMY[profile], password)
                and password_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common_passwords.txt"


@functools.cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """True for the 10,000 most common passwords (any case): the first ones an attacker
    tries, whatever their length (ASVS 5.0 V6.2.4)."""
    return (password or "").strip().lower() in _common_passwords()
