from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import Organisation, OrganisationKind, Role, User
from marketplace.passwords import PasswordHasher
from marketplace.services.errors import ValidationFailed
from marketplace.services.organisations import organisation_errors

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def register(session: Session, passwords: PasswordHasher, *, email: str, password: str, display_name: str, organisation_name: str,
             organisation_kind: str, credit_code: str | None = None, region: str | None = None) -> User:
    """Create a user; a new organisation makes them its admin, an existing one makes them a member."""
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = Phrase("is not a valid e-mail address")
    elif session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = Phrase("is already registered; sign in instead")
    if len(password) < MIN_PASSWORD:
        errors["password"] = Phrase("must have at least %(limit)d characters", limit=MIN_PASSWORD)
    if not display_name.strip() or len(display_name) > 100:
        errors["display_name"] = Phrase("is required (at most 100 characters)")
    organisation = session.scalar(select(Organisation).where(Organisation.name == organisation_name.strip()))
    if organisation is None:
        errors.update(organisation_errors(organisation_name, organisation_kind, credit_code, region))
        if credit_code and session.scalar(select(Organisation.id).where(Organisation.credit_code == credit_code)):
            errors["credit_code"] = Phrase("belongs to another registered organisation")
    if errors:
        raise ValidationFailed(errors)
    role = Role.MEMBER
    if organisation is None:
        organisation = Organisation(name=organisation_name.strip(), kind=OrganisationKind(organisation_kind),
                                    credit_code=credit_code or None, region=region or None)
        session.add(organisation)
        role = Role.ORGANISATION_ADMIN
    user = User(email=email, display_name=display_name.strip(), password_hash=passwords.hash(password),
                role=role, organisation=organisation)
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, passwords: PasswordHasher, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user and passwords.verify(user.password_hash, password):
        return user
    return None
