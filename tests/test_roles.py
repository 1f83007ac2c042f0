"""Who may post what (vendors list products; universities, institutes and testing agencies list shared
instruments and transfers; enterprises post needs; platform admins anything), and platform admins hiding
a posting from everyone but its owners."""
import pytest
from sqlalchemy import select

from marketplace import kinds
from marketplace.models import Notification, Posting
from marketplace.services import postings
from marketplace.services.errors import Forbidden, NotFound
from tests.factories import full_record, index_all, instrument_record, login, platform_admin, register

ORGANISATIONS = {"university": "某大学测试中心", "institute": "某研究所", "testing_agency": "某检测公司",
                 "vendor": "某仪器公司", "enterprise": "某药企"}
MAY_POST = {"instrument": {"university", "institute", "testing_agency"}, "transfer": {"university", "institute",
            "testing_agency"}, "product": {"vendor"}, "need": {"enterprise"}}


@pytest.mark.parametrize("organisation_kind", ORGANISATIONS)
def test_each_type_of_organisation_posts_only_its_own_kinds(session, organisation_kind):
    user = register(session, email=f"{organisation_kind}@example.com", organisation=ORGANISATIONS[organisation_kind],
                    kind=organisation_kind)
    for kind in kinds.KINDS.values():
        if organisation_kind in MAY_POST[kind.name]:
            assert postings.create_posting(session, user, full_record(kind)).kind == kind.name
        else:
            with pytest.raises(Forbidden, match="posted by other types of organisation"):
                postings.create_posting(session, user, full_record(kind))
            session.rollback()
    assert len(session.scalars(select(Posting)).all()) == sum(organisation_kind in k for k in MAY_POST.values())


def test_a_platform_admin_may_post_every_kind(session):
    admin = platform_admin(session)
    assert [postings.create_posting(session, admin, full_record(kind)).kind for kind in kinds.KINDS.values()] == list(
        kinds.KINDS)


def test_the_form_of_a_kind_the_organisation_cannot_post_is_refused_and_not_offered(client, session):
    register(session, email="vendor@example.com", organisation="某仪器公司", kind="vendor")
    login(client, "vendor@example.com")
    assert client.get("/needs/new").status_code == 403
    assert client.post("/instruments/new", data={"title": "共享仪器"}).status_code == 403
    assert client.get("/products/new").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert "/products/new" in home and "/needs/new" not in home and "/instruments/new" not in home
    products, needs = client.get("/products/").get_data(as_text=True), client.get("/needs/").get_data(as_text=True)
    assert "/products/new" in products and "/needs/new" not in needs


@pytest.fixture
def hidden_listing(app, session):
    owner = register(session)
    listing = postings.create_posting(session, owner, instrument_record())
    index_all(app)
    admin = platform_admin(session)
    postings.set_hidden(session, admin, listing.id, hidden=True)
    index_all(app)
    return listing


def test_a_hidden_listing_leaves_search_lists_and_its_public_page(client, session, hidden_listing):
    assert client.get("/search?q=HPLC").get_data(as_text=True).count(f"/instruments/{hidden_listing.id}") == 0
    assert f"/instruments/{hidden_listing.id}" not in client.get("/instruments/").get_data(as_text=True)
    assert client.get(f"/instruments/{hidden_listing.id}").status_code == 404
    register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    login(client, "sme@example.com")
    assert client.get(f"/instruments/{hidden_listing.id}").status_code == 404


def test_its_owners_still_see_it_marked_hidden_and_are_told(client, session, hidden_listing):
    login(client, "lab@example.com")
    page = client.get(f"/instruments/{hidden_listing.id}").get_data(as_text=True)
    assert "Hidden by the platform administrators" in page
    assert f"/instruments/{hidden_listing.id}" in client.get("/instruments/?mine=1").get_data(as_text=True)
    notice = session.scalar(select(Notification).where(Notification.user_id == hidden_listing.organisation.id))
    assert notice is not None and notice.template.startswith("Hidden by the platform administrators")


def test_showing_it_again_puts_it_back_in_search(app, client, session, hidden_listing):
    admin = session.scalar(select(Posting.organisation_id).where(Posting.id == hidden_listing.id))
    assert admin
    login(client, "admin@example.com")
    assert client.post(f"/admin/postings/{hidden_listing.id}/show").status_code == 302
    index_all(app)
    client.post("/logout")
    assert client.get(f"/instruments/{hidden_listing.id}").status_code == 200
    assert f"/instruments/{hidden_listing.id}" in client.get("/search?q=HPLC").get_data(as_text=True)


def test_only_platform_admins_hide_postings(client, session):
    owner = register(session)
    listing = postings.create_posting(session, owner, instrument_record())
    with pytest.raises(Forbidden):
        postings.set_hidden(session, owner, listing.id, hidden=True)
    login(client)
    assert client.post(f"/admin/postings/{listing.id}/hide").status_code == 403
    assert session.get(Posting, listing.id).is_visible


def test_hiding_an_unknown_posting_is_a_404(session):
    with pytest.raises(NotFound):
        postings.set_hidden(session, platform_admin(session), 999, hidden=True)
