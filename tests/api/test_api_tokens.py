"""API tokens: made, listed and revoked on the site by an organisation's administrators; kept hashed."""
import re

from sqlalchemy import select

from marketplace.models import ApiToken
from tests.factories import PASSWORD, invited_member, login, register


def test_an_administrator_creates_a_token_that_is_shown_once_and_stored_hashed(client, session):
    register(session)
    login(client)
    page = client.post("/api-tokens/", data={"name": "资产系统", "scope": "read_write"})
    assert page.status_code == 201
    secret = re.search(r'<code id="new-token">(yq_[\w-]+)</code>', page.get_data(as_text=True))[1]
    token = session.scalar(select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash and secret.startswith(token.prefix)
    listing = client.get("/api-tokens/").get_data(as_text=True)
    assert "资产系统" in listing and token.prefix in listing and secret not in listing
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    session.refresh(token)
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(client, session):
    register(session)
    login(client)
    page = client.post("/api-tokens/", data={"name": "old", "scope": "read"}).get_data(as_text=True)
    secret = re.search(r'<code id="new-token">(yq_[\w-]+)</code>', page)[1]
    token = session.scalar(select(ApiToken))
    assert client.post(f"/api-tokens/{token.id}/revoke").status_code == 302
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401 and "revoked" in refused.get_json()["detail"]


def test_members_who_are_not_administrators_cannot_manage_tokens(client, session):
    register(session)
    member = invited_member(session)
    login(client, member.email)
    assert client.get("/api-tokens/").status_code == 403
    assert client.post("/api-tokens/", data={"name": "x", "scope": "read"}).status_code == 403


def test_one_organisation_cannot_revoke_anothers_token(client, session):
    register(session)
    login(client)
    client.post("/api-tokens/", data={"name": "ours", "scope": "read"})
    token = session.scalar(select(ApiToken))
    register(session, email="other@example.com", organisation="另一家公司", kind="enterprise")
    client.post("/logout")
    client.post("/login", data={"email": "other@example.com", "password": PASSWORD})
    assert client.post(f"/api-tokens/{token.id}/revoke").status_code == 404
    session.refresh(token)
    assert token.revoked_at is None
