"""The OpenAPI document is valid OpenAPI 3 and describes every API route the app serves."""

import re

from openapi_spec_validator import validate


def _served_api_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_openapi_document_is_valid_and_covers_every_endpoint(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    documented = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    }
    served = _served_api_routes(app)
    assert served, "no API routes found"
    assert served == documented


def test_every_operation_documents_the_error_format_and_bearer_auth(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearer": []}]
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["error"]
    patch = spec["paths"]["/api/v1/cases/{case_key}"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert {"412", "428", "422"} <= set(patch["responses"])


def test_interactive_docs_are_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_landing_page_links_the_api_docs(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/api/v1/docs"' in page
    assert 'href="/api/v1/openapi.json"' in page


def test_responses_carry_security_headers_and_a_content_security_policy(client):
    for path in ("/", "/sign-in", "/healthz", "/api/v1/openapi.json"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    page = client.get("/sign-in")
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page.get_data(as_text=True)  # the one inline script carries it
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_the_api_docs_page_loads_swagger_ui_from_the_app_itself(client):
    """Issue 19, finding 7: Swagger UI came from a public CDN, so the page was blank offline."""
    page = client.get("/api/v1/docs")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "https:" not in policy and "unsafe-inline" not in policy
    html = page.get_data(as_text=True)
    assert '<script src="/static/swagger-ui/swagger-ui-bundle.js">' in html
    assert '<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">' in html
    assert "<script>" not in html and "http" not in html  # no inline script, nothing from elsewhere
    for asset in ("swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "api-docs.js"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_the_api_docs_page_works_under_a_url_prefix(client):
    html = client.get("/api/v1/docs", environ_overrides={"SCRIPT_NAME": "/tasking"}).get_data(as_text=True)
    assert 'src="/tasking/static/swagger-ui/swagger-ui-bundle.js"' in html
    assert 'data-spec-url="/tasking/api/v1/openapi.json"' in html


def test_conditional_reads_document_if_none_match_beside_their_query_parameters(client):
    """A list that answers 304 takes If-None-Match and still documents every query parameter it
    reads (issue 22: documenting the header once replaced them, and the parameters vanished)."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        "/api/v1/tasks": {"cursor", "page_size", "state", "updated_since"},
        "/api/v1/triage": {"cursor", "page_size", "area", "ward", "category", "source"},
        "/api/v1/cases": {"cursor", "page_size", "area", "ward", "category", "state", "level", "updated_since"},
        "/api/v1/reviews": {"cursor", "page_size", "area", "state", "overdue"},
        "/api/v1/reports/exceptions": {"area", "organisation", "level", "start", "end"},
    }
    for path, query in expected.items():
        operation = paths[path]["get"]
        names = {p["name"]: p["in"] for p in operation["parameters"]}
        assert query <= {name for name, where in names.items() if where == "query"}, path
        assert names["If-None-Match"] == "header" and "304" in operation["responses"], path
