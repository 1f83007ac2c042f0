"""The platform admin's index sync page, which reads the indexer's status through the app's wiring."""
import socket

from app import create_app
from marketplace.services import postings
from tests.factories import index_all, instrument_record, login, need_record, platform_admin, register


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_sync_page_shows_pending_changes_and_the_index_size(app, client, session):
    lab = register(session)
    postings.create_posting(session, lab, instrument_record())
    index_all(app)
    postings.create_posting(session, lab, need_record())
    platform_admin(session)
    login(client, "admin@example.com")
    page = client.get("/admin/indexer").get_data(as_text=True)
    assert '<td id="pending">1</td>' in page and '<td id="dead">0</td>' in page
    assert "<td>1</td>" in page  # indexed documents


def test_the_sync_page_still_shows_the_outbox_when_the_backend_is_down(app, session):
    """An OpenSearch URL where nothing listens: the page shows the outbox and says the index is unavailable."""
    postings.create_posting(session, register(session), instrument_record())
    platform_admin(session)
    down = create_app({**app.config, "SEARCH_BACKEND": "opensearch", "OPENSEARCH_URL": f"http://127.0.0.1:{closed_port()}"})
    client = down.test_client()
    login(client, "admin@example.com")
    page = client.get("/admin/indexer").get_data(as_text=True)
    assert '<td id="pending">1</td>' in page and "unavailable (BackendUnavailable)" in page
    down.extensions["database"].dispose()


def test_members_cannot_see_the_sync_page(client, session):
    register(session)
    login(client)
    assert client.get("/admin/indexer").status_code == 403
