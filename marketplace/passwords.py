"""Password hashing with one method for the whole app, the PASSWORD_HASH_METHOD setting.

A stored hash names the method it was made with, so changing the setting never locks anyone out: old
hashes still verify, new ones use the new method."""
from __future__ import annotations

from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

# Werkzeug's default, scrypt (N=2^15, r=8, p=1): about 130 ms a hash on the CI machine, which is the point.
STRONG = "scrypt"


@dataclass(frozen=True)
class PasswordHasher:
    method: str = STRONG

    def __post_init__(self) -> None:
        try:  # a misspelt setting fails at start-up, not at the first registration
            generate_password_hash("", method=self.method)
        except ValueError as error:
            raise ValueError(
                f"PASSWORD_HASH_METHOD {self.method!r} is not a werkzeug hashing method: {error}") from error

    def hash(self, password: str) -> str:
        return generate_password_hash(password, method=self.method)

    def verify(self, stored_hash: str, password: str) -> bool:
        return check_password_hash(stored_hash, password)
