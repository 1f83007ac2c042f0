"""Rate limits count in the database: shared by every worker, on SQLite and PostgreSQL."""
from app import create_app
from marketplace.rate_limit_storage import DatabaseStorage
from marketplace.web.rate_limits import one_at_a_time


def test_counters_add_up_within_a_window_and_start_again_after_it(app):
    storage = DatabaseStorage(DatabaseStorage.URI, engine=app.extensions["database"].engine)
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3] and storage.get("a") == 3
    assert storage.get_expiry("a") > storage.get_expiry("never-seen")
    assert storage.incr("b", 0) == 1 and storage.incr("b", 0) == 1 and storage.get("b") == 0  # window over
    storage.clear("a")
    assert storage.get("a") == 0 and storage.check()


def _pdf(client, address: str):
    return client.get("/alternatives/comparison.pdf?imported=Agilent+1260", environ_base={"REMOTE_ADDR": address})


def test_the_comparison_pdf_is_limited_per_address_and_for_everyone(app, tmp_path):
    limited = create_app({**app.config, "SEARCH_PATH": str(tmp_path / "pdf-index"),
                          "PDF_LIMIT_PER_ADDRESS": "1 per minute", "PDF_LIMIT_TOTAL": "2 per minute"})
    client = limited.test_client()
    try:
        first = _pdf(client, "198.51.100.1")
        assert first.status_code == 200 and first.data.startswith(b"%PDF")
        again = _pdf(client, "198.51.100.1")
        assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
        assert _pdf(client, "198.51.100.2").status_code == 200
        assert _pdf(client, "198.51.100.3").status_code == 429  # two a minute for everyone together
        assert client.get("/alternatives?imported=Agilent+1260").status_code == 200  # the page itself is not limited
    finally:
        limited.extensions["search"].close()
        limited.extensions["database"].dispose()


def test_with_rate_limits_off_the_limited_pages_still_answer(app, tmp_path):
    unlimited = create_app({**app.config, "SEARCH_PATH": str(tmp_path / "unlimited-index"), "RATELIMIT_ENABLED": False,
                            "PDF_LIMIT_PER_ADDRESS": "1 per minute"})
    try:
        client = unlimited.test_client()
        assert [_pdf(client, "198.51.100.1").status_code for _ in range(2)] == [200, 200]
        assert client.post("/login", data={"email": "a@example.com", "password": "wrong-guess"}).status_code == 422
    finally:
        unlimited.extensions["search"].close()
        unlimited.extensions["database"].dispose()


def test_one_comparison_pdf_is_made_at_a_time_and_others_are_told_when_to_retry(app):
    client = app.test_client()
    with app.test_request_context(), one_at_a_time("comparison-pdf") as mine:  # another worker's render
        assert mine
        busy = _pdf(client, "198.51.100.1")
    assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
    assert "try again in a few seconds" in busy.get_data(as_text=True)
    assert _pdf(client, "198.51.100.1").status_code == 200  # a refused request did not use up the address's quota
