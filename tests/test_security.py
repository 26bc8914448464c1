"""Security basics: headers, cookies, login throttling, token revocation, size limits."""

from __future__ import annotations


def test_security_headers(client):
    response = client.get("/anmelden")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(client, make_user):
    make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    page = client.get("/anmelden").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/anmelden", data={"username": "anna", "password": "lotsen-pass-2468", "csrf_token": token})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_throttling_for_api_and_form(app, client, make_user):
    """Repeated failures of one (name, address) pair are delayed, with a German 429 on API and form."""
    make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    for _ in range(3):
        assert client.post("/api/auth/token", json={"username": "anna", "password": "falsch"}).status_code == 401
    locked = client.post("/api/auth/token", json={"username": "anna", "password": "lotsen-pass-2468"})
    assert locked.status_code == 429 and "warten Sie" in locked.get_json()["detail"]
    assert int(locked.headers["Retry-After"]) >= 1
    page = client.get("/anmelden").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = client.post("/anmelden", data={"username": "anna", "password": "lotsen-pass-2468", "csrf_token": token})
    assert form.status_code == 429 and "warten Sie" in form.get_data(as_text=True)
    other = client.post("/api/auth/token", json={"username": "niemand", "password": "x"})
    assert other.status_code == 401


def test_successful_login_clears_failures(client, make_user):
    make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    for _ in range(2):
        client.post("/api/auth/token", json={"username": "anna", "password": "falsch"})
    assert client.post("/api/auth/token", json={"username": "anna", "password": "lotsen-pass-2468"}).status_code == 200
    for _ in range(2):
        client.post("/api/auth/token", json={"username": "anna", "password": "falsch"})
    assert client.post("/api/auth/token", json={"username": "anna", "password": "lotsen-pass-2468"}).status_code == 200


def test_tokens_are_revocable_and_stored_hashed(client, db, make_user):
    from sqlalchemy import select

    from app.storage.models import ApiTokenRow

    make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    token = client.post("/api/auth/token", json={"username": "anna", "password": "lotsen-pass-2468"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/catalogue/kinds", headers=headers).status_code == 200
    with db.session() as session:
        stored = [row.token_hash for row in session.scalars(select(ApiTokenRow))]
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert client.delete("/api/auth/token", headers=headers).status_code == 204
    assert client.post("/api/interviews", json={}, headers=headers).status_code == 401


def test_request_size_limits(client, make_user):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    big = '{"title": "' + "x" * (1024 * 1024 + 10) + '"}'
    response = client.post("/api/interviews", data=big, content_type="application/json", headers=headers)
    assert response.status_code == 413 and "zu groß" in response.get_json()["detail"]
    huge = "x" * (11 * 1024 * 1024)
    response = client.post("/api/interviews", data=huge, content_type="application/json", headers=headers)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_unauthenticated_api_calls_get_401(client):
    for method, path in [("get", "/api/search?q=x"), ("get", "/api/processes/1"), ("post", "/api/interviews"),
                         ("get", "/api/drafts/1"), ("patch", "/api/drafts/1"), ("post", "/api/drafts/1/submit"),
                         ("get", "/api/audit?object=profile:1")]:
        response = getattr(client, method)(path, json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.mimetype == "application/problem+json"
