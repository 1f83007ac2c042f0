"""Sign-in: guesses are throttled per account and per address across workers, an unknown address looks
like a wrong password, and signing out or changing the password ends the sessions it should."""
import statistics
import time

import pytest

from app import create_app
from marketplace.services import accounts
from tests.factories import PASSWORD, TEST_PASSWORDS, login, register


def _sign_in(client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_for_one_account_are_throttled_even_from_many_addresses(client, db):
    register(db)
    for n in range(10):
        assert _sign_in(client, "lab@example.com", "wrong-guess", f"198.51.100.{n}").status_code == 422
    refused = _sign_in(client, "LAB@example.com", PASSWORD, "198.51.100.99")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)
    register(db, email="other@example.com", organisation="另一家公司", kind="enterprise")
    assert _sign_in(client, "other@example.com", PASSWORD).status_code == 302  # other accounts are unaffected


def test_one_address_guessing_many_accounts_is_throttled(client, db):
    register(db)
    for n in range(30):
        assert _sign_in(client, f"nobody{n}@example.com", "wrong-guess").status_code == 422
    assert _sign_in(client, "lab@example.com", PASSWORD).status_code == 429
    assert _sign_in(client, "lab@example.com", PASSWORD, "192.0.2.1").status_code == 302


def test_successful_sign_ins_are_never_throttled(client, db):
    register(db)
    for _ in range(15):
        assert _sign_in(client, "lab@example.com", PASSWORD).status_code == 302


def test_workers_share_the_count_of_failed_sign_ins(app, db, database_url, tmp_path):
    """Two app instances on one database, as two gunicorn workers: five failures on each use up ten."""
    register(db)
    other_worker = create_app({**app.config, "SEARCH_PATH": str(tmp_path / "second-worker-index")})
    try:
        for worker in (app, other_worker):
            for _ in range(5):
                assert _sign_in(worker.test_client(), "lab@example.com", "wrong-guess").status_code == 422
        assert _sign_in(app.test_client(), "lab@example.com", PASSWORD).status_code == 429
    finally:
        other_worker.extensions["search"].close()
        other_worker.extensions["database"].dispose()


def test_an_unknown_address_costs_as_much_time_as_a_wrong_password(db):
    register(db)

    def median_seconds(email: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert accounts.authenticate(db, TEST_PASSWORDS, email, "wrong-guess") is None
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    accounts.authenticate(db, TEST_PASSWORDS, "warm@example.com", "x")  # the stand-in hash is made once, on first use
    unknown, wrong = median_seconds("nobody@example.com"), median_seconds("lab@example.com")
    assert unknown > wrong / 2, (unknown, wrong)  # both hash the password (unequalised: 15 vs 230 ms)


def test_registering_an_address_in_use_does_not_say_it_is_registered(client, db):
    register(db)
    response = client.post("/register", data={"email": "lab@example.com", "display_name": "X", "password": PASSWORD,
                                               "organisation_name": "新公司", "organisation_kind": "enterprise"})
    error = response.get_data(as_text=True).split('id="email-error"')[1].split("</small>")[0]
    assert response.status_code == 422 and "sign in" in error and "registered" not in error


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, db):
    register(db)
    login(client)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/dashboard").status_code == 200
    client.post("/logout")
    response = thief.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_the_password_ends_every_other_session_but_this_one(app, client, db):
    register(db)
    login(client)
    elsewhere = app.test_client()
    login(elsewhere)
    wrong = client.post("/account/password", data={"current_password": "not-it-at-all", "new_password": "n3w-secret!"})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    assert client.post("/account/password", data={"current_password": PASSWORD,
                                                   "new_password": "n3w-secret!"}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert elsewhere.get("/dashboard").status_code == 302
    assert accounts.authenticate(db, TEST_PASSWORDS, "lab@example.com", "n3w-secret!") is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sessions_from_before_session_tokens_are_refused(app, db):
    user = register(db)
    with app.test_request_context():
        assert accounts.user_for_session(db, str(user.id)) is None  # an old cookie held the bare id
        assert accounts.user_for_session(db, user.get_id()).id == user.id
        assert accounts.user_for_session(db, "²:x") is None
