"""schemathesis against the live API: generated requests (valid and invalid, and chains that follow the
document's links) must find no server error, no undocumented status code, no response that breaks the
document's schemas, content types or headers. Bounded: a fixed seed and a fixed number of cases per
operation, about a minute per database."""
import re
import subprocess
import sys
import threading

import pytest
from werkzeug.serving import make_server

from marketplace.services import api_tokens, deals, postings
from tests.factories import index_all, instrument_record, need_record, register

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")
EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def live_api(app, session):
    """The app served over HTTP on a free port, with a small catalogue, a thread and a read-write token."""
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    listing = postings.create_posting(session, lab, instrument_record())
    need = postings.create_posting(session, sme, need_record(owner=None))
    postings.create_posting(session, lab, need_record(owner=None, ref="lab-need", title="SEM 形貌观察"))
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "能否检测？")
    deals.offer_quote(session, lab, inquiry.id, 4800, 5)
    index_all(app)
    secret = api_tokens.create_token(session, lab, "schemathesis", "read_write").secret
    app.config["API_LIMIT_PER_TOKEN"] = "100000 per minute"  # the point is the contract, not the 429s
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", secret
    server.shutdown()
    thread.join()


def test_schemathesis_finds_no_server_error_or_contract_violation(live_api, tmp_path):
    base, secret = live_api
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/v1/openapi.json", "--checks", CHECKS,
         "--seed", "20261202", "--max-examples", str(EXAMPLES_PER_OPERATION), "--workers", "1",
         "--header", f"Authorization: Bearer {secret}", "--request-timeout", "30"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
    assert selected and selected[1] == selected[2], run.stdout[-3000:]  # every operation of the document ran
