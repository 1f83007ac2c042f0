from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import taxonomy
from marketplace.kinds import KINDS
from marketplace.messages import Phrase
from marketplace.models import Organisation, OrganisationKind
from marketplace.services.errors import ValidationFailed
from marketplace.validation import credit_code_error, normalise_credit_code


def organisation_errors(name: str, kind: str, credit_code: str | None, region: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = Phrase("is required")
    elif len(name) > 200:
        errors["name"] = Phrase("is too long (at most 200 characters)")
    if kind not in {k.value for k in OrganisationKind}:
        errors["kind"] = Phrase("must be one of: %(choices)s", choices=", ".join(k.value for k in OrganisationKind))
    if credit_code and (message := credit_code_error(credit_code)):
        errors["credit_code"] = message
    if region and not taxonomy.is_known_region(region):
        errors["region"] = Phrase("must start with a province, e.g. 湖北省/武汉市")
    return errors


def find_owner(session: Session, owner: Mapping[str, Any]) -> Organisation | None:
    """The existing organisation a record's owner names: by credit code, then by name."""
    code = normalise_credit_code(owner.get("credit_code"))
    if code:
        found = session.scalar(select(Organisation).where(Organisation.credit_code == code))
        if found:
            return found
    name = (owner.get("name") or "").strip()
    return session.scalar(select(Organisation).where(Organisation.name == name)) if name else None


def find_or_create_owner(session: Session, owner: Mapping[str, Any] | None, posting_kind: str,
                         region: str | None) -> Organisation:
    """Resolve a record's owner by credit code, then by name; create it if new. Caller commits."""
    owner = owner or {}
    name = (owner.get("name") or "").strip()
    code = normalise_credit_code(owner.get("credit_code"))
    found = find_owner(session, owner)
    if found:
        return found
    if not name:
        raise ValidationFailed({"owner.name": Phrase("is required: every posting belongs to an organisation")})
    kind = owner.get("kind") or KINDS[posting_kind].default_owner_kind
    errors = organisation_errors(name, kind, code, None)
    if errors:
        raise ValidationFailed({f"owner.{field}": message for field, message in errors.items()})
    organisation = Organisation(name=name, kind=OrganisationKind(kind), credit_code=code, region=region)
    session.add(organisation)
    session.flush()
    return organisation
