"""Who belongs to which organisation. Membership gives access to an organisation's private inquiries,
its listings and its reports, so nobody joins an existing organisation by naming it: they need an
invitation from one of its administrators, or an administrator's approval of their request. (For an
organisation nobody administers yet, such as one created by a catalogue import, a platform
administrator decides, and the first person approved becomes its administrator.)
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.messages import Phrase
from marketplace.models import (
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from marketplace.models.accounts import new_session_token
from marketplace.services.access import require_organisation_admin
from marketplace.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.services.notifications import notify_users
from marketplace.services.organisations import organisation_errors
from marketplace.validation import normalise_credit_code

INVITATION_LIFETIME = timedelta(days=7)
MAX_REQUEST_MESSAGE = 500
MEMBERSHIP_PAGE = "/organisation"
# organisation_errors() names fields as an organisation does; registration forms prefix two of them.
ORGANISATION_FIELDS = {"name": "organisation_name", "kind": "organisation_kind"}


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


# Invitations -------------------------------------------------------------------------------------------

def create_invitation(session: Session, actor: User, now: datetime | None = None) -> tuple[Invitation, str]:
    """A new single-use code; only its digest is stored, so the code is returned to be shown once."""
    organisation_id = require_organisation_admin(actor)
    now = now or utcnow()
    code = secrets.token_urlsafe(18)
    invitation = Invitation(organisation_id=organisation_id, code_hash=_digest(code), created_by_id=actor.id,
                            created_at=now, expires_at=now + INVITATION_LIFETIME)
    session.add(invitation)
    session.commit()
    return invitation, code


def open_invitations(session: Session, actor: User, now: datetime | None = None) -> list[Invitation]:
    organisation_id = require_organisation_admin(actor)
    return list(session.scalars(select(Invitation).where(
        Invitation.organisation_id == organisation_id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > (now or utcnow())).order_by(Invitation.created_at.desc())))


def revoke_invitation(session: Session, actor: User, invitation_id: int) -> None:
    organisation_id = require_organisation_admin(actor)
    changed = session.execute(update(Invitation).where(
        Invitation.id == invitation_id, Invitation.organisation_id == organisation_id,
        Invitation.used_at.is_(None), Invitation.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        raise NotFound("No such open invitation; it may have been used or revoked already.")
    session.commit()


def invitation_for_code(session: Session, code: str, now: datetime | None = None) -> Invitation | None:
    """The open invitation a code belongs to, if any (for showing whom a link invites)."""
    return session.scalar(select(Invitation).where(
        Invitation.code_hash == _digest(code), Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > (now or utcnow())))


def admit_by_invitation(session: Session, user: User, code: str, now: datetime | None = None) -> Organisation:
    """Use up the invitation (one conditional UPDATE, so a code admits one person even when two race)
    and make the user a member. The caller commits."""
    now = now or utcnow()
    claimed = session.execute(update(Invitation).where(
        Invitation.code_hash == _digest(code), Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > now).values(used_by_id=user.id, used_at=now))
    if claimed.rowcount != 1:
        raise ValidationFailed({"invitation": Phrase(
            "is unknown, already used or expired; ask your organisation's administrator for a new one")})
    invitation = session.scalar(select(Invitation).where(Invitation.code_hash == _digest(code)))
    _withdraw_pending_request(session, user)
    user.organisation_id, user.role = invitation.organisation_id, Role.MEMBER
    return invitation.organisation


def join_by_invitation(session: Session, user: User, code: str, now: datetime | None = None) -> Organisation:
    """A signed-in person without an organisation follows an invitation link."""
    _require_no_organisation(user)
    try:
        organisation = admit_by_invitation(session, user, code, now)
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return organisation


# Organisations and join requests ----------------------------------------------------------------------

def find_organisation(session: Session, name: str, credit_code: str | None) -> Organisation | None:
    """The registered organisation a person names, by credit code or by name (case aside)."""
    code = normalise_credit_code(credit_code)
    by_code = session.scalar(select(Organisation).where(Organisation.credit_code == code)) if code else None
    by_name = session.scalar(select(Organisation).where(
        func.lower(Organisation.name) == (name or "").strip().lower())) if (name or "").strip() else None
    if by_code and by_name and by_code.id != by_name.id:
        raise ValidationFailed({"credit_code": Phrase("belongs to another registered organisation")})
    return by_code or by_name


def new_organisation(session: Session, name: str, kind: str, credit_code: str | None,
                     region: str | None) -> Organisation:
    """Validate and add a new organisation (errors keyed by the registration form's fields). Caller commits."""
    errors = organisation_errors(name or "", kind or "", credit_code, region)
    if errors:
        raise ValidationFailed({ORGANISATION_FIELDS.get(field, field): message for field, message in errors.items()})
    organisation = Organisation(name=name.strip(), kind=OrganisationKind(kind),
                                credit_code=normalise_credit_code(credit_code), region=region or None)
    session.add(organisation)
    session.flush()
    return organisation


def create_organisation_for(session: Session, user: User, name: str, kind: str, credit_code: str | None,
                            region: str | None) -> Organisation:
    """A signed-in person without an organisation registers a new one and becomes its administrator."""
    _require_no_organisation(user)
    if find_organisation(session, name, credit_code) is not None:
        raise ValidationFailed({"organisation_name": Phrase("is already registered; ask to join it instead")})
    organisation = new_organisation(session, name, kind, credit_code, region)
    _withdraw_pending_request(session, user)
    user.organisation_id, user.role = organisation.id, Role.ORGANISATION_ADMIN
    session.commit()
    return organisation


def file_join_request(session: Session, user: User, organisation: Organisation, message: str = "") -> JoinRequest:
    """Ask to join; the organisation's administrators (or, without any, the platform's) are notified.
    The caller commits."""
    if len(message or "") > MAX_REQUEST_MESSAGE:
        raise ValidationFailed({"message": Phrase("is too long (at most %(limit)d characters)",
                                                  limit=MAX_REQUEST_MESSAGE)})
    if pending_request(session, user) is not None:
        raise Conflict("You are already waiting for an answer from an organisation; cancel that request first.")
    request = JoinRequest(organisation_id=organisation.id, user_id=user.id, message=(message or "").strip())
    session.add(request)
    session.flush()
    deciders = _administrators(session, organisation.id) or list(
        session.scalars(select(User).where(User.role == Role.PLATFORM_ADMIN)))
    notify_users(session, deciders, Phrase("%(person)s asks to join %(organisation)s",
                                           person=user.display_name, organisation=organisation.name),
                 MEMBERSHIP_PAGE)
    return request


def ask_to_join(session: Session, user: User, name: str, credit_code: str | None = None,
                message: str = "") -> JoinRequest:
    _require_no_organisation(user)
    organisation = find_organisation(session, name, credit_code)
    if organisation is None:
        raise ValidationFailed({"organisation_name": Phrase(
            "no registered organisation has this name or credit code; register it as a new one instead")})
    request = file_join_request(session, user, organisation, message)
    session.commit()
    return request


def pending_request(session: Session, user: User) -> JoinRequest | None:
    return session.scalar(select(JoinRequest).where(JoinRequest.user_id == user.id,
                                                    JoinRequest.status == JoinRequestStatus.PENDING))


def cancel_request(session: Session, user: User) -> None:
    if not _withdraw_pending_request(session, user):
        raise NotFound("You have no request waiting for an answer.")
    session.commit()


def requests_to_decide(session: Session, actor: User) -> list[JoinRequest]:
    """An organisation administrator's pending requests; for a platform administrator, those for
    organisations that have no administrator yet."""
    query = select(JoinRequest).where(JoinRequest.status == JoinRequestStatus.PENDING).order_by(JoinRequest.id)
    if actor.is_organisation_admin:
        return list(session.scalars(query.where(JoinRequest.organisation_id == actor.organisation_id)))
    if actor.is_platform_admin:
        return list(session.scalars(query.where(~_has_administrator(JoinRequest.organisation_id))))
    return []


def decide_request(session: Session, actor: User, request_id: int, approve: bool) -> JoinRequest:
    request = session.get(JoinRequest, request_id)
    if request is None:
        raise NotFound("No such join request.")
    organisation_id = request.organisation_id
    has_administrator = session.scalar(select(_has_administrator(organisation_id)))
    if not ((actor.is_organisation_admin and actor.organisation_id == organisation_id)
            or (actor.is_platform_admin and not has_administrator)):
        raise Forbidden("Only an administrator of this organisation can answer its join requests.")
    now = utcnow()
    decided = session.execute(update(JoinRequest).where(
        JoinRequest.id == request.id, JoinRequest.status == JoinRequestStatus.PENDING).values(
        status=JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DECLINED, decided_at=now,
        decided_by_id=actor.id))
    if decided.rowcount != 1:
        session.rollback()
        session.refresh(request)
        raise Conflict("This request was already %(status)s.", status=request.status.value)
    if approve:
        # The first member of an organisation nobody administers becomes its administrator.
        role = Role.MEMBER if has_administrator else Role.ORGANISATION_ADMIN
        joined = session.execute(update(User).where(User.id == request.user_id, User.organisation_id.is_(None))
                                 .values(organisation_id=organisation_id, role=role))
        if joined.rowcount != 1:
            session.rollback()
            raise Conflict("%(person)s has joined another organisation meanwhile.", person=request.user.display_name)
    verdict = Phrase("approved") if approve else Phrase("declined")
    notify_users(session, [request.user], Phrase("Your request to join %(organisation)s was %(verdict)s",
                                                 organisation=request.organisation.name, verdict=verdict),
                 MEMBERSHIP_PAGE)
    session.commit()
    session.refresh(request)
    return request


# Members ----------------------------------------------------------------------------------------------

def members(session: Session, actor: User) -> list[User]:
    if actor.organisation_id is None:
        return []
    return list(session.scalars(select(User).where(User.organisation_id == actor.organisation_id)
                                .order_by(User.role.desc(), User.display_name)))


def remove_member(session: Session, actor: User, user_id: int) -> None:
    """The member loses access at once: their organisation, and every session they had signed in."""
    organisation_id = require_organisation_admin(actor)
    if user_id == actor.id:
        raise Conflict("You cannot remove yourself; another administrator would have to.")
    member = session.get(User, user_id)
    if member is None or member.organisation_id != organisation_id:
        raise NotFound("No such member of your organisation.")
    member.organisation_id, member.role, member.session_token = None, Role.MEMBER, new_session_token()
    session.commit()


def _require_no_organisation(user: User) -> None:
    if user.organisation_id is not None:
        raise Conflict("You already belong to an organisation.")


def _withdraw_pending_request(session: Session, user: User) -> bool:
    withdrawn = session.execute(update(JoinRequest).where(
        JoinRequest.user_id == user.id, JoinRequest.status == JoinRequestStatus.PENDING).values(
        status=JoinRequestStatus.CANCELLED, decided_at=utcnow()))
    return withdrawn.rowcount > 0


def _administrators(session: Session, organisation_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.organisation_id == organisation_id,
                                                   User.role == Role.ORGANISATION_ADMIN)))


def _has_administrator(organisation_id):
    return exists().where(User.organisation_id == organisation_id, User.role == Role.ORGANISATION_ADMIN)
