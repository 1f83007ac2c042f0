"""The access checks every use case goes through: membership of the organisation that owns a thing,
belonging to an organisation at all, and being a platform administrator."""
from __future__ import annotations

from marketplace.messages import Phrase
from marketplace.models import User
from marketplace.services.errors import Forbidden


def is_member(actor: User | None, organisation_id: int) -> bool:
    return bool(actor and actor.is_authenticated and actor.organisation_id == organisation_id)


def require_member(actor: User | None, organisation_id: int, action: str) -> None:
    """`action` is an English phrase ("withdraw this quote"), translated with the message."""
    if not is_member(actor, organisation_id):
        raise Forbidden("Only members of the organisation concerned can %(action)s.", action=Phrase(action))


def require_organisation(actor: User) -> int:
    if actor.organisation_id is None:
        raise Forbidden("Join or register an organisation first.")
    return actor.organisation_id


def require_organisation_admin(actor: User) -> int:
    """The organisation the actor administers; invitations, join requests and members are its business."""
    if not (actor and actor.is_authenticated and actor.is_organisation_admin):
        raise Forbidden("Only an administrator of your organisation can do this.")
    return actor.organisation_id


def is_platform_admin(actor: User | None) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_platform_admin)


def require_platform_admin(actor: User | None) -> None:
    if not is_platform_admin(actor):
        raise Forbidden("Only platform administrators can do this.")
