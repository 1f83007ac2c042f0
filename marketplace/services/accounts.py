from __future__ import annotations

import hmac
import re
import secrets
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import Role, User
from marketplace.models.accounts import new_session_token
from marketplace.passwords import PasswordHasher
from marketplace.services import memberships
from marketplace.services.errors import ValidationFailed

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def _password_error(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return Phrase("must have at least %(limit)d characters", limit=MIN_PASSWORD)
    return None


def register(session: Session, passwords: PasswordHasher, *, email: str, password: str, display_name: str,
             organisation_name: str = "",
             organisation_kind: str = "", credit_code: str | None = None, region: str | None = None,
             invitation: str | None = None) -> User:
    """Create an account and settle where it belongs: with an invitation code, a member of the inviting
    organisation; naming a registered organisation (by name or credit code), no organisation yet but a
    request to join it that its administrators answer; naming a new one, its administrator."""
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = Phrase("is not a valid e-mail address")
    elif session.scalar(select(User.id).where(func.lower(User.email) == email)):
        # Worded so as not to confirm whose address it is; the register rate limit bounds probing.
        errors["email"] = Phrase("cannot be used for a new account; if you have one, sign in")
    if message := _password_error(password):
        errors["password"] = message
    if not display_name.strip() or len(display_name) > 100:
        errors["display_name"] = Phrase("is required (at most 100 characters)")
    existing = None
    if not invitation:
        try:
            existing = memberships.find_organisation(session, organisation_name, credit_code)
        except ValidationFailed as failure:
            errors.update(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, display_name=display_name.strip(), password_hash=passwords.hash(password),
                role=Role.MEMBER)
    session.add(user)
    try:
        session.flush()
        if invitation:
            memberships.admit_by_invitation(session, user, invitation)
        elif existing is not None:
            memberships.file_join_request(session, user, existing)
        else:
            organisation = memberships.new_organisation(session, organisation_name, organisation_kind, credit_code,
                                                        region)
            user.organisation_id, user.role = organisation.id, Role.ORGANISATION_ADMIN
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return user


@cache
def _unknown_user_hash(passwords: PasswordHasher) -> str:
    return passwords.hash(secrets.token_hex(16))


def authenticate(session: Session, passwords: PasswordHasher, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        # Hash anyway: an unknown address must take as long as a wrong password, or timing tells them apart.
        passwords.verify(_unknown_user_hash(passwords), password)
        return None
    return user if passwords.verify(user.password_hash, password) else None


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a session cookie names ("<id>:<session token>"), if that session has not been ended."""
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and token):
        return None
    user = session.get(User, int(user_id))
    return user if user and hmac.compare_digest(user.session_token.encode(), token.encode()) else None


def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: cookies carrying the old session token are refused from now on."""
    user.session_token = new_session_token()
    session.commit()


def change_password(session: Session, passwords: PasswordHasher, user: User, current: str, new: str) -> None:
    """Every other session ends; the caller signs the current one in again with the new token."""
    errors = {}
    if not passwords.verify(user.password_hash, current):
        errors["current_password"] = Phrase("is not your current password")
    if message := _password_error(new):
        errors["new_password"] = message
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = passwords.hash(new)
    end_sessions(session, user)
