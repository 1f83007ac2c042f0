"""Innovation-voucher subsidies: which policy applies to an SME and a listing, and the net price."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.kinds import LISTING_KINDS
from marketplace.messages import Phrase
from marketplace.models import Inquiry, Organisation, OrganisationKind, Posting, SubsidyPolicy, User
from marketplace.services.access import require_platform_admin
from marketplace.services.errors import ValidationFailed


@dataclass(frozen=True)
class NetPrice:
    gross_cny: float
    subsidy_cny: float
    policy: str | None

    @property
    def net_cny(self) -> float:
        return round(self.gross_cny - self.subsidy_cny, 2)


def _applies(policy: SubsidyPolicy, organisation: Organisation, listing: Posting) -> bool:
    return (policy.active and organisation.kind.value in policy.eligible_organisation_kinds
            and listing.kind in policy.listing_kinds
            and (not policy.region or (organisation.region or "").startswith(policy.region)))


def net_price(policies: list[SubsidyPolicy], organisation: Organisation | None, listing: Posting,
              gross_cny: float) -> NetPrice:
    """The most generous applicable policy wins; a cap limits the subsidy per service."""
    best = NetPrice(gross_cny, 0.0, None)
    if organisation is None:
        return best
    for policy in policies:
        if _applies(policy, organisation, listing):
            subsidy = gross_cny * policy.rate
            if policy.cap_cny is not None:
                subsidy = min(subsidy, policy.cap_cny)
            if subsidy > best.subsidy_cny:
                best = NetPrice(gross_cny, round(subsidy, 2), policy.name)
    return best


def starting_price(listing: Posting) -> float | None:
    """The lowest advertised price of a listing: cheapest fee, price range floor, or asking price."""
    fees = [f["price_cny"] for f in getattr(listing, "fees", None) or []]
    for candidate in (min(fees) if fees else None, getattr(listing, "price_min_cny", None),
                      getattr(listing, "asking_price_cny", None)):
        if candidate is not None:
            return candidate
    return None


def net_starting_prices(session: Session, actor: User | None, listings: Iterable[Posting]) -> dict[int, NetPrice]:
    """Listing id -> its starting price with the actor's organisation's best subsidy applied."""
    policies = active_policies(session)
    organisation = _organisation_of(actor)
    prices = {}
    for listing in listings:
        gross = starting_price(listing)
        if gross is not None:
            prices[listing.id] = net_price(policies, organisation, listing, gross)
    return prices


def net_quote_prices(session: Session, inquiry: Inquiry) -> dict[int, NetPrice]:
    """Quote id -> its price with the requesting organisation's best subsidy applied."""
    policies = active_policies(session)
    return {quote.id: net_price(policies, inquiry.requester, inquiry.listing, quote.price_cny)
            for quote in inquiry.quotes}


def _organisation_of(actor: User | None) -> Organisation | None:
    return actor.organisation if actor is not None and actor.is_authenticated else None


def active_policies(session: Session) -> list[SubsidyPolicy]:
    return list(session.scalars(select(SubsidyPolicy).where(SubsidyPolicy.active.is_(True))))


def create_policy(session: Session, actor: User, name: str, rate: float, cap_cny: float | None,
                  organisation_kinds: list[str], listing_kinds: list[str], region: str = "") -> SubsidyPolicy:
    require_platform_admin(actor)
    errors = {}
    if not name.strip() or len(name) > 200:
        errors["name"] = Phrase("is required (at most 200 characters)")
    if not 0 < rate <= 1:
        errors["rate"] = Phrase("must be above 0 and at most 1 (e.g. 0.3 for 30%)")
    if cap_cny is not None and cap_cny < 0:
        errors["cap_cny"] = Phrase("must not be negative")
    known = {k.value for k in OrganisationKind}
    if not organisation_kinds or set(organisation_kinds) - known:
        errors["organisation_kinds"] = Phrase("choose from: %(choices)s", choices=", ".join(sorted(known)))
    if not listing_kinds or set(listing_kinds) - set(LISTING_KINDS):
        errors["listing_kinds"] = Phrase("choose from: %(choices)s", choices=", ".join(LISTING_KINDS))
    if errors:
        raise ValidationFailed(errors)
    policy = SubsidyPolicy(name=name.strip(), rate=rate, cap_cny=cap_cny,
                           eligible_organisation_kinds=organisation_kinds,
                           listing_kinds=listing_kinds, region=region.strip())
    session.add(policy)
    session.commit()
    return policy
