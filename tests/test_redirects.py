"""After signing in or switching language, people go back only to a page of this site."""
import pytest

from tests.factories import PASSWORD, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ELSEWHERE = [
    "//evil.com", "///evil.com", "////evil.com/", "/\\evil.com", "\\\\evil.com", "\\/evil.com", "/\\/evil.com",
    "/\t/evil.com", "/\n/evil.com", "/\r\n/evil.com", "/\x0b/evil.com", "/\x7f/evil.com", "\t//evil.com",
    "https://evil.com", "http:evil.com", "https:/evil.com", "HTTPS://evil.com/", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.com", ".evil.com", "@evil.com",
    "/%2F%2Fevil.com", "/%2f/evil.com", "/%5Cevil.com", "/%5C%5Cevil.com", "%2F%2Fevil.com", "/%09/evil.com",
    "/%0a/evil.com", "/%0d%0aLocation:%20https://evil.com", "/%252F%252Fevil.com", "/%25252F%25252Fevil.com",
    "", " ", "/" + "a" * 3000,
]
HERE = ["/", "/search?q=HPLC&kind=instrument", "/needs/12", "/search?q=%E6%B6%B2%E7%9B%B8", "/instruments/?page=2"]


def _language_switch(client, target):
    return client.get("/language/en", query_string={"next": target})


def _sign_in(client, target):
    return client.post("/login", query_string={"next": target},
                       data={"email": "lab@example.com", "password": PASSWORD})


@pytest.mark.parametrize("follow", [_language_switch, _sign_in], ids=["language", "login"])
def test_a_next_address_leading_elsewhere_is_replaced_by_the_home_page(client, db, follow):
    register(db)
    for target in ELSEWHERE:
        response = follow(client, target)
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("follow", [_language_switch, _sign_in], ids=["language", "login"])
def test_a_next_address_on_this_site_is_followed(client, db, follow):
    register(db)
    for target in HERE:
        assert follow(client, target).headers["Location"] == target
