"""Demo data: the generated bilingual catalogue, one account per kind of user, and what they have done with
each other (marketplace/demo/activity.py)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.clock import lab_today
from marketplace.models import Organisation, OrganisationKind, Role, User
from marketplace.passwords import PasswordHasher
from marketplace.services.catalog import ImportReport, import_records

DEMO_PASSWORD = "demo-pass-2026"
SME, VENDOR, LAB = "sme@demo.yiqi", "vendor@demo.yiqi", "lab@demo.yiqi"
# People's names are their own text, shown as written in either language (a label such as "demo SME"
# would be interface text in one language).
DEMO_ACCOUNTS = (
    (SME, "王敏", OrganisationKind.ENTERPRISE, Role.ORGANISATION_ADMIN),
    (VENDOR, "李强", OrganisationKind.VENDOR, Role.ORGANISATION_ADMIN),
    (LAB, "陈静", OrganisationKind.UNIVERSITY, Role.ORGANISATION_ADMIN),
    ("admin@demo.yiqi", "赵磊", None, Role.PLATFORM_ADMIN),
)


# Hears each step of the seeding as it is done: what (a few words) and how many were written.
Progress = Callable[[str, int], None]


def _quiet(step: str, count: int) -> None:
    pass


def seed(session: Session, passwords: PasswordHasher, scale: int = 1,
         progress: Progress = _quiet) -> tuple[ImportReport, list[str]]:
    from marketplace.demo.activity import seed_activity
    from marketplace.demo.catalogue import generate_catalogue

    report = import_records(session, enumerate(generate_catalogue(scale=scale), start=1),
                            progress=lambda count: progress("catalogue records read", count))
    logins, created = [], 0
    for email, name, kind, role in DEMO_ACCOUNTS:
        logins.append(email)
        if session.scalar(select(User.id).where(User.email == email)):
            continue
        organisation = None
        if kind is not None:
            organisation = session.scalar(select(Organisation).where(Organisation.kind == kind)
                                          .order_by(Organisation.id).limit(1))
        session.add(User(email=email, display_name=name, password_hash=passwords.hash(DEMO_PASSWORD),
                         role=role, organisation=organisation))
        created += 1
    session.commit()
    progress("accounts created", created)
    seed_activity(session, lab_today(), SME, LAB, VENDOR, progress)
    return report, logins
