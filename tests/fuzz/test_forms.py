"""Generated bad input posted at every form of the site: every POST route of the app, with fields named
after every form class's fields (the posting forms come from the kind registry), holding NaN, huge and
Unicode numbers, impossible dates, NUL, long and random text. No answer may be a 5xx.

Bounded: FUZZ_EXAMPLES examples per database (40 in the suite), and no more than FUZZ_SECONDS of
posting; the CI's fuzz stage (.ci/run) raises both."""
from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, IntegerConverter
from wtforms.fields.core import UnboundField

from marketplace.kinds import KINDS
from marketplace.models import Role
from marketplace.services import bookings, deals, postings
from tests.factories import instrument_record, login, need_record, one_line, register

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "60"))
SKIPPED_ENDPOINTS = {"auth.logout"}  # signing out would leave the rest of the run anonymous


def _form_classes(base: type = FlaskForm) -> list[type]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_form_classes(cls)]
    return found


def field_names() -> list[str]:
    names = {name for cls in _form_classes() for name in dir(cls) if isinstance(getattr(cls, name), UnboundField)}
    return sorted(names)


NASTY = ["NaN", "sNaN", "nan", "Infinity", "-Infinity", "inf", "1e400", "1e308", "-1", "0", "²", "٣", "1" * 40,
         "9999-12-31", "0001-01-01", "9999-12-31T23:59", "2026-02-30", "/%09/evil.com", "//evil.com", "=1+1",
         "胶囊\x00检测", "a | NaN | sample", "x | 1e400 | hour", "name: value\n" * 300, "[" * 5000, "{}", "y", "on"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
                   st.integers().map(str), st.floats().map(str), st.text(max_size=1).map(lambda c: c * 70_000))


def post_routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
                   and rule.endpoint not in SKIPPED_ENDPOINTS), key=lambda rule: rule.rule)


def argument(rule, name: str) -> st.SearchStrategy:
    converter = rule._converters[name]
    if isinstance(converter, IntegerConverter):
        return st.one_of(st.integers(1, 6), st.integers(0, 2**63))
    if isinstance(converter, AnyConverter):
        return st.sampled_from(sorted(converter.items))
    if name == "slug":
        return st.sampled_from([kind.slug for kind in KINDS.values()])
    return st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@pytest.fixture
def signed_in(app, session, client):
    """A platform administrator whose organisation has a listing, a booking and an inquiry with a quote,
    so that the ids 1..6 the routes are given reach real records."""
    lab = register(session)
    lab.role = Role.PLATFORM_ADMIN
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    listing = postings.create_posting(session, lab, instrument_record())
    need = postings.create_posting(session, sme, need_record(owner=None))
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "能否检测？")
    deals.offer_quote(session, lab, inquiry.id, one_line(4800), 5)
    soon = date.today() + timedelta(weeks=4)
    monday = soon - timedelta(days=soon.weekday())
    start = datetime(monday.year, monday.month, monday.day, 9)  # a Monday morning: open hours
    bookings.request_booking(session, sme, listing.id, start, start + timedelta(hours=2))
    session.commit()
    login(client)
    return app, client


def test_no_form_answers_a_server_error_to_generated_bad_input(signed_in):
    app, client = signed_in
    routes, names, deadline = post_routes(app), field_names(), time.monotonic() + SECONDS
    adapter = app.url_map.bind("localhost")

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def post_bad_input(data):
        rule = data.draw(st.sampled_from(routes), label="route")
        values = {name: data.draw(argument(rule, name), label=name) for name in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        form = data.draw(st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=10)), VALUES,
                                         max_size=8), label="form")
        htmx = data.draw(st.booleans(), label="htmx")
        if time.monotonic() > deadline:  # past the time budget: the remaining examples post nothing
            return
        response = client.post(path, data=form, headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code < 500, (path, form, response.get_data(as_text=True)[:2000])

    post_bad_input()
