"""The OpenAPI document is generated from the routes and models, and its rendered docs work offline."""
import re
from pathlib import Path

from marketplace import kinds

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_the_document_is_openapi_3_1_and_covers_every_kind(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    for kind in kinds.KINDS.values():
        assert f"/api/v1/{kind.slug}" in document["paths"]
        properties = document["components"]["schemas"][kind.name.title()]["properties"]
        assert {field.name for field in kind.fields} <= set(properties)


def test_every_error_is_documented_as_problem_json_and_every_change_as_versioned(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "422"} <= set(responses), (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
            if method == "put" or path.endswith("/archive"):
                assert {"412", "428"} <= set(responses)
                assert any(p["name"] == "If-Match" for p in operation["parameters"])


def test_the_docs_page_loads_only_vendored_assets(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    assert "<script>" not in page  # no inline script: the page works under script-src 'self'
    for asset in assets:
        if asset.startswith("/static/"):
            assert (STATIC / asset.removeprefix("/static/")).is_file(), asset
            assert client.get(asset).status_code == 200
