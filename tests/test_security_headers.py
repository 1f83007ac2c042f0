"""Every response forbids framing, sniffing and foreign or inline scripts, and leaks no full referrer."""
import pytest

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("path", ["/", "/search?q=HPLC", "/login", "/static/app.css", "/no-such-page"])
def test_pages_fragments_and_errors_carry_the_security_headers(client, path):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(path, headers=headers)
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_one_inline_style_carries_the_responses_nonce(client):
    response = client.get("/alternatives/comparison?imported=Agilent+1260")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
