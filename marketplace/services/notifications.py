"""In-app notifications with a copy in the e-mail outbox; added inside the caller's transaction.

A notification keeps its message's template and values and is translated when shown. E-mail is
written before anyone reads it, in Chinese and English.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.messages import Phrase, catalogue, translate
from marketplace.models import EmailMessage, Notification, User

SITE = "https://yiqi.example"


def _bilingual(message: Phrase) -> str:
    chinese = translate(message, catalogue("zh").gettext)
    return message if chinese == message else f"{chinese} / {message}"


def notify_users(session: Session, users: list[User], message: Phrase, link: str = "") -> None:
    text = _bilingual(message)
    for user in users:
        session.add(Notification(user_id=user.id, template=message.template, values=message.values, link=link))
        session.add(EmailMessage(to_address=user.email, subject=f"[Yiqi Match] {text}"[:300],
                                 body=f"{text}\n\n{SITE}/{link.lstrip('/')}"))


def notify_organisation(session: Session, organisation_id: int, message: Phrase, link: str = "") -> None:
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
