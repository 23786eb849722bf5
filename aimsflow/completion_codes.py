"""One-time completion codes: what makes a completion in the Prefect UI the assignee's.

Prefect's open-source server knows no users, so each assignment gets a personal code, mailed to
the assignee and stored only as a salted hash. A code is used once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are typed by people
ITERATIONS = 20_000  # a one-time code of about 40 bits; the hash only has to outlast its use


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def hash_code(code: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", normalize(code).encode(), bytes.fromhex(salt), ITERATIONS).hex()
    return f"{salt}${digest}"


def matches(code: str, stored: str | None) -> bool:
    if not stored or "$" not in stored:
        return False
    salt, digest = stored.split("$", 1)
    candidate = hashlib.pbkdf2_hmac("sha256", normalize(code).encode(), bytes.fromhex(salt), ITERATIONS).hex()
    return hmac.compare_digest(candidate, digest)
