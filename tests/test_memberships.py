"""Joining an organisation takes its administrator's invitation or approval; credit codes are one spelling."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.clock import utcnow
from marketplace.models import JoinRequestStatus, Organisation, Role, User
from marketplace.services import accounts, deals, memberships, postings
from marketplace.services.errors import Conflict, Forbidden, ValidationFailed
from marketplace.services.notifications import unread
from tests.factories import (
    PASSWORD,
    TEST_PASSWORDS,
    credit_code,
    instrument_record,
    invited_member,
    login,
    need_record,
    register,
)

LAB = "武汉大学分析测试中心"


@pytest.fixture
def lab(db):
    """An organisation with an administrator, a listing and a private inquiry thread."""
    admin = register(db, email="lab@example.com", organisation=LAB, credit_code=credit_code("12420000441"))
    listing = postings.create_posting(db, admin, instrument_record(owner=None))
    sme = register(db, email="sme@example.com", organisation="某药企", kind="enterprise")
    need = postings.create_posting(db, sme, need_record(owner=None))
    inquiry = deals.open_inquiry(db, sme, need.id, listing.id, "私密报价请求")
    return admin, listing, inquiry


def test_registering_with_an_existing_organisations_name_only_asks_to_join(client, db, lab):
    admin, listing, inquiry = lab
    response = client.post("/register", data={
        "email": "intruder@example.com", "display_name": "Mallory", "password": PASSWORD,
        "organisation_name": LAB, "organisation_kind": "university"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/organisation")
    intruder = db.scalar(select(User).where(User.email == "intruder@example.com"))
    assert intruder.organisation_id is None
    assert client.get(f"/inquiries/{inquiry.id}").status_code == 403
    assert client.get(f"/instruments/{listing.id}/edit").status_code == 403
    assert client.get("/sharing?format=csv").status_code == 403
    page = client.get("/organisation").get_data(as_text=True)
    assert "waits for an administrator" in page and LAB in page
    assert unread(db, admin)[0].message == f"Mallory asks to join {LAB}"


def test_the_administrator_approves_a_request_and_the_requester_becomes_a_member(client, db, lab):
    admin, listing, _ = lab
    requester = register(db, email="colleague@example.com", organisation=LAB)
    request = memberships.pending_request(db, requester)
    assert request.status is JoinRequestStatus.PENDING
    login(client, "lab@example.com")
    assert "colleague@example.com" in client.get("/organisation").get_data(as_text=True)
    assert client.post(f"/organisation/requests/{request.id}/approve").status_code == 302
    db.refresh(requester)
    assert requester.organisation_id == admin.organisation_id and requester.role is Role.MEMBER
    assert postings.can_edit(requester, listing)
    with pytest.raises(Conflict):
        memberships.decide_request(db, admin, request.id, approve=False)


def test_a_declined_requester_stays_outside_and_may_register_a_new_organisation(db, lab):
    admin, _, _ = lab
    requester = register(db, email="colleague@example.com", organisation=LAB)
    memberships.decide_request(db, admin, memberships.pending_request(db, requester).id, approve=False)
    db.refresh(requester)
    assert requester.organisation_id is None and memberships.pending_request(db, requester) is None
    organisation = memberships.create_organisation_for(db, requester, "另一个实验室", "institute", None, None)
    assert requester.organisation_id == organisation.id and requester.role is Role.ORGANISATION_ADMIN


def test_only_that_organisations_administrator_answers_its_requests(db, lab):
    admin, _, _ = lab
    member = invited_member(db)
    other_admin = register(db, email="boss@example.com", organisation="另一家公司", kind="enterprise")
    requester = register(db, email="late@example.com", organisation=LAB)
    request = memberships.pending_request(db, requester)
    for stranger in (member, other_admin, requester):
        with pytest.raises(Forbidden):
            memberships.decide_request(db, stranger, request.id, approve=True)
    assert memberships.requests_to_decide(db, other_admin) == []


def test_an_invitation_admits_one_person_once(client, db, lab):
    admin, listing, inquiry = lab
    login(client, "lab@example.com")
    page = client.post("/organisation/invitations").get_data(as_text=True)
    code = page.split('id="invitation-code">')[1].split("<")[0]
    invited = client.application.test_client()
    response = invited.get(f"/join/{code}")
    assert response.status_code == 302 and f"invitation={code}" in response.headers["Location"]
    assert LAB in invited.get(response.headers["Location"]).get_data(as_text=True)
    response = invited.post("/register", data={"email": "new@example.com", "display_name": "New", "password": PASSWORD,
                                               "invitation": code})
    assert response.status_code == 302
    assert invited.get(f"/inquiries/{inquiry.id}").status_code == 200
    with pytest.raises(ValidationFailed) as failure:
        accounts.register(db, TEST_PASSWORDS, email="second@example.com", password=PASSWORD, display_name="Second",
                          invitation=code)
    assert "already used" in failure.value.errors["invitation"]
    assert db.scalar(select(User.id).where(User.email == "second@example.com")) is None


def test_expired_and_revoked_invitations_admit_nobody(db, lab):
    admin, _, _ = lab
    _, expired = memberships.create_invitation(db, admin, now=utcnow() - timedelta(days=8))
    revoked_invitation, revoked = memberships.create_invitation(db, admin)
    memberships.revoke_invitation(db, admin, revoked_invitation.id)
    for code in (expired, revoked, "made-up-code"):
        with pytest.raises(ValidationFailed):
            accounts.register(db, TEST_PASSWORDS, email="x@example.com", password=PASSWORD, display_name="X",
                              invitation=code)
    member = invited_member(db)
    with pytest.raises(Forbidden):
        memberships.create_invitation(db, member)  # only administrators invite


def test_a_signed_in_person_without_an_organisation_follows_an_invitation_link(client, db, lab):
    admin, _, _ = lab
    register(db, email="waiting@example.com", organisation=LAB)  # asked to join; accepted by invitation instead
    _, code = memberships.create_invitation(db, admin)
    login(client, "waiting@example.com")
    assert LAB in client.get(f"/join/{code}").get_data(as_text=True)
    assert client.post("/organisation/join", data={"code": code}).status_code == 302
    user = db.scalar(select(User).where(User.email == "waiting@example.com"))
    db.refresh(user)
    assert user.organisation_id == admin.organisation_id and memberships.pending_request(db, user) is None


def test_a_removed_member_loses_access_and_every_session(client, db, lab):
    admin, _, inquiry = lab
    member = invited_member(db)
    login(client, "colleague@example.com")
    assert client.get(f"/inquiries/{inquiry.id}").status_code == 200
    memberships.remove_member(db, admin, member.id)
    response = client.get(f"/inquiries/{inquiry.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with pytest.raises(Conflict):
        memberships.remove_member(db, admin, admin.id)


def test_an_organisation_nobody_administers_is_decided_by_a_platform_administrator(session):
    imported = Organisation(name="中国科学院某研究所", kind="institute")
    session.add(imported)
    session.add(User(email="root@example.com", display_name="Root", password_hash="x", role=Role.PLATFORM_ADMIN))
    session.commit()
    platform_admin = session.scalar(select(User).where(User.email == "root@example.com"))
    first = register(session, email="first@example.com", organisation="中国科学院某研究所")
    [request] = memberships.requests_to_decide(session, platform_admin)
    assert request.user_id == first.id and unread(session, platform_admin)
    memberships.decide_request(session, platform_admin, request.id, approve=True)
    session.refresh(first)
    assert first.organisation_id == imported.id and first.role is Role.ORGANISATION_ADMIN
    second = register(session, email="second@example.com", organisation="中国科学院某研究所")
    assert memberships.requests_to_decide(session, platform_admin) == []  # now its own administrator decides
    assert [r.user_id for r in memberships.requests_to_decide(session, first)] == [second.id]


def test_credit_codes_are_stored_in_one_spelling_and_name_one_organisation(session):
    code = credit_code("91420100MA4K5678")
    owner = register(session, email="a@example.com", organisation="甲公司", kind="enterprise",
                     credit_code=" " + code[:6].lower() + " " + code[6:].lower())
    assert owner.organisation.credit_code == code
    # The same code in another spelling, under another name, names the same organisation: a request to join it.
    late = register(session, email="b@example.com", organisation="", kind="enterprise", credit_code=code.lower())
    assert memberships.pending_request(session, late).organisation_id == owner.organisation_id
    with pytest.raises(ValidationFailed) as failure:
        register(session, email="c@example.com", organisation="乙公司", kind="enterprise", credit_code="0" * 18)
    assert "placeholder" in failure.value.errors["credit_code"]
    register(session, email="d@example.com", organisation="丙公司", kind="enterprise")
    with pytest.raises(ValidationFailed) as failure:  # a code of one organisation and the name of another
        register(session, email="e@example.com", organisation="丙公司", kind="enterprise", credit_code=code)
    assert "another registered organisation" in failure.value.errors["credit_code"]
