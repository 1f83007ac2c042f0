"""Typed SQLAlchemy models: data only, no behaviour beyond simple derived values."""
from marketplace.kinds import LISTING_KINDS, POSTING_KINDS, NeedStatus
from marketplace.models.accounts import Role, User
from marketplace.models.api_tokens import ApiToken, TokenScope
from marketplace.models.bookings import Booking, BookingStatus
from marketplace.models.deals import Inquiry, Message, Order, OrderStatus, Quote, QuoteStatus, Review
from marketplace.models.memberships import Invitation, JoinRequest, JoinRequestStatus
from marketplace.models.notifications import EmailMessage, Notification, SavedSearch
from marketplace.models.organisations import Organisation, OrganisationKind
from marketplace.models.policy import SubsidyPolicy, UsageRecord
from marketplace.models.postings import (
    MODEL_BY_KIND,
    DeletedPosting,
    DomesticProduct,
    Posting,
    SharedInstrument,
    TechnologyTransfer,
    TestNeed,
)
from marketplace.models.rate_limits import RateLimitCounter

__all__ = [
    "ApiToken",
    "Booking",
    "BookingStatus",
    "EmailMessage",
    "Inquiry",
    "Invitation",
    "JoinRequest",
    "JoinRequestStatus",
    "Message",
    "Notification",
    "Order",
    "OrderStatus",
    "Quote",
    "QuoteStatus",
    "Review",
    "SavedSearch",
    "LISTING_KINDS",
    "MODEL_BY_KIND",
    "POSTING_KINDS",
    "DeletedPosting",
    "DomesticProduct",
    "NeedStatus",
    "Organisation",
    "OrganisationKind",
    "Posting",
    "RateLimitCounter",
    "Role",
    "SharedInstrument",
    "SubsidyPolicy",
    "TechnologyTransfer",
    "TestNeed",
    "TokenScope",
    "UsageRecord",
    "User",
]
