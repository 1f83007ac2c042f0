"""A signed-in person's dashboard: their organisation's postings, leads, deals, bookings and alerts."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from marketplace.kinds import KINDS
from marketplace.models import (
    Booking,
    Inquiry,
    Notification,
    Organisation,
    OrganisationKind,
    Posting,
    SavedSearch,
    User,
)
from marketplace.services import alerts, bookings, deals, matching, notifications
from marketplace.services.matching import Lead
from marketplace.services.postings import postings_of
from search.service import Searcher

PROVIDER_KINDS = {OrganisationKind.VENDOR, OrganisationKind.UNIVERSITY, OrganisationKind.INSTITUTE,
                  OrganisationKind.TESTING_AGENCY}


@dataclass(frozen=True)
class Dashboard:
    organisation: Organisation | None
    notifications: list[Notification]
    saved: list[SavedSearch]
    my_needs: list[Posting] = field(default_factory=list)
    my_listings: list[Posting] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    inquiries: list[Inquiry] = field(default_factory=list)
    requested: list[Booking] = field(default_factory=list)
    received: list[Booking] = field(default_factory=list)


def dashboard(session: Session, searcher: Searcher, actor: User) -> Dashboard:
    personal = {"notifications": notifications.unread(session, actor), "saved": alerts.saved_searches(session, actor)}
    organisation = actor.organisation
    if organisation is None:
        return Dashboard(None, **personal)
    own = postings_of(session, organisation.id)
    listings = [p for p in own if KINDS[p.kind].is_listing]
    leads = []
    if organisation.kind in PROVIDER_KINDS and listings:
        leads = matching.leads_for_organisation(session, searcher, organisation.id, listings[:10], limit=15)
    return Dashboard(organisation, **personal, my_needs=[p for p in own if not KINDS[p.kind].is_listing],
                     my_listings=listings, leads=leads, inquiries=deals.inquiries_for(session, actor),
                     requested=bookings.bookings_of_requester(session, actor),
                     received=bookings.bookings_for_owner(session, actor))
