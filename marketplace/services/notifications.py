"""In-app notifications with a copy in the e-mail outbox; added inside the caller's transaction."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.models import EmailMessage, Notification, User


def notify_users(session: Session, users: list[User], message: str, link: str = "") -> None:
    for user in users:
        session.add(Notification(user_id=user.id, message=message[:500], link=link))
        session.add(EmailMessage(to_address=user.email, subject=f"[Yiqi Match] {message}"[:300],
                                 body=f"{message}\n\nhttps://yiqi.example/{link.lstrip('/')}"))


def notify_organisation(session: Session, organisation_id: int, message: str, link: str = "") -> None:
    members = list(session.scalars(select(User).where(User.organisation_id == organisation_id)))
    notify_users(session, members, message, link)


def unread(session: Session, user: User) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                           Notification.read_at.is_(None))
                                .order_by(Notification.id.desc()).limit(50)))


def mark_all_read(session: Session, user: User) -> None:
    session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                    .values(read_at=utcnow()))
    session.commit()
