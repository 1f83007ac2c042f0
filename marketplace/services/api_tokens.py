"""API tokens: an organisation's administrators create them (the secret is shown once), list and revoke
them; the REST API authenticates each request with one.

Only a SHA-256 hash of a token is stored. A token is 256 random bits, so a fast hash is enough (there
is nothing to guess a dictionary from); it is found by its displayed prefix and compared in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.messages import Phrase
from marketplace.models import ApiToken, TokenScope, User
from marketplace.services.access import require_organisation_admin
from marketplace.services.errors import NotFound, Unauthorized, ValidationFailed

SECRET_START = "yq_"
PREFIX_LENGTH = len(SECRET_START) + 8
MAX_NAME = 100
# Recording every use would make each API read a write; to the minute is enough to spot unused tokens.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenActor:
    """Whom an API request acts for: the token's organisation, through the member who created the token.

    Services see it as they see a signed-in user (the same permission checks apply); messages and quotes
    are signed by that member. It never carries a platform administrator's rights: a token acts for its
    organisation only."""

    id: int
    organisation_id: int
    token_id: int
    scope: TokenScope
    is_authenticated: bool = True
    is_platform_admin: bool = False

    @property
    def can_write(self) -> bool:
        return self.scope is TokenScope.READ_WRITE


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def require_token_manager(actor: User | None) -> int:
    """The one rule for who manages an organisation's API tokens: its administrators. Returns the
    organisation's id."""
    return require_organisation_admin(actor)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, actor: User, name: str, scope: str) -> IssuedToken:
    organisation_id = require_token_manager(actor)
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > MAX_NAME:
        errors["name"] = Phrase("is required (at most %(limit)d characters)", limit=MAX_NAME)
    if scope not in {s.value for s in TokenScope}:
        errors["scope"] = Phrase("must be one of: %(choices)s", choices=", ".join(s.value for s in TokenScope))
    if errors:
        raise ValidationFailed(errors)
    secret = SECRET_START + secrets.token_urlsafe(32)
    token = ApiToken(organisation_id=organisation_id, created_by_id=actor.id, name=name, scope=TokenScope(scope),
                     prefix=secret[:PREFIX_LENGTH], token_hash=_digest(secret))
    session.add(token)
    session.commit()
    return IssuedToken(token, secret)


def tokens_of(session: Session, actor: User) -> list[ApiToken]:
    """The organisation's tokens, the live ones first, newest first."""
    organisation_id = require_token_manager(actor)
    return list(session.scalars(select(ApiToken).where(ApiToken.organisation_id == organisation_id)
                                .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def revoke_token(session: Session, actor: User, token_id: int) -> ApiToken:
    organisation_id = require_token_manager(actor)
    token = session.get(ApiToken, token_id)
    if token is None or token.organisation_id != organisation_id:
        raise NotFound("No such API token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
    return token


def authenticate(session: Session, secret: str) -> TokenActor:
    """The actor a presented token acts as; Unauthorized when it is unknown or revoked."""
    if secret.startswith(SECRET_START) and len(secret) <= 100:
        digest = _digest(secret)
        for token in session.scalars(select(ApiToken).where(ApiToken.prefix == secret[:PREFIX_LENGTH])):
            if hmac.compare_digest(token.token_hash, digest):
                if token.revoked_at is not None:
                    raise Unauthorized("This API token was revoked.")
                _record_use(session, token)
                return TokenActor(id=token.created_by_id, organisation_id=token.organisation_id, token_id=token.id,
                                  scope=token.scope)
    raise Unauthorized("The API token is not valid.")


def token_of(session: Session, actor: TokenActor) -> ApiToken:
    """The token an API request came with."""
    return session.get(ApiToken, actor.token_id)


def _record_use(session: Session, token: ApiToken) -> None:
    now = utcnow()
    session.execute(update(ApiToken).where(ApiToken.id == token.id, or_(
        ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_PRECISION))
        .values(last_used_at=now))
    session.commit()
