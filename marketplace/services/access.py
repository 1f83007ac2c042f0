"""The access checks every use case goes through: membership of the organisation that owns a thing,
belonging to an organisation at all, and being a platform administrator."""
from __future__ import annotations

from marketplace.kinds import KINDS, organisation_kind_label
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


def may_create(actor: User | None, kind: str) -> bool:
    """Vendors list products, universities, institutes and testing agencies list shared instruments and
    transfers, enterprises post needs (`Kind.posted_by`); platform administrators may post any kind."""
    if not (actor and actor.is_authenticated and actor.organisation is not None):
        return False
    return actor.is_platform_admin or actor.organisation.kind.value in KINDS[kind].posted_by


def require_may_create(actor: User, kind: str) -> int:
    """The organisation a new posting of `kind` belongs to, if the actor may create one."""
    organisation_id = require_organisation(actor)
    if not may_create(actor, kind):
        raise Forbidden("%(kinds)s are posted by other types of organisation than yours (%(organisation_kind)s).",
                        kinds=KINDS[kind].plural, organisation_kind=organisation_kind_label(actor.organisation.kind))
    return organisation_id


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
