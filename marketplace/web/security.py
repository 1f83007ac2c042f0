"""Protections every response and request gets: security headers and cookie flags (Flask-Talisman),
client addresses from trusted proxies only, and no NUL character past the edge."""
from __future__ import annotations

from flask import Flask, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.messages import Phrase
from marketplace.services.errors import ValidationFailed

# Only the app's own scripts and styles (htmx and its static files): no inline script at all, and the one
# inline <style> (the printable comparison, which WeasyPrint also renders) carries the response's nonce.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Pico CSS draws its icons as data: SVGs
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",  # nobody frames accept-quote or approve-booking buttons (clickjacking)
}


def init_security(app: Flask) -> None:
    if app.config["PROXY_COUNT"]:
        # Behind N reverse proxies, the client's address and scheme come from their X-Forwarded-* headers
        # (rate limits count per client address); without proxies those headers are not trusted.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    Talisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy, which redirects plain HTTP itself
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["style-src"],
        referrer_policy="strict-origin-when-cross-origin",
        x_xss_protection=False,  # obsolete; CSP replaces it
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.before_request(refuse_nul_characters)


def refuse_nul_characters() -> None:
    """PostgreSQL cannot store NUL in text, and no person types one: refuse it in any query or form field
    (the name included) with a field error, instead of failing later in the database."""
    for arguments in (request.args, request.form):
        for field, value in arguments.items(multi=True):
            if "\x00" in field or "\x00" in value:
                raise ValidationFailed({field.replace("\x00", "\\0"): Phrase("must not contain NUL characters")})
