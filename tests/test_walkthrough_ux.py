"""What a usability walkthrough of the running service found (without a browser): the admin's user form
and new users' first password; process versions that are changes of the content, not of the status."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.storage.models import UserRow

PASSWORD = "lotsen-pass-2468"
HTML = {"Accept": "text/html"}


def _csrf(client, path: str) -> str:
    html = client.get(path, headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, username: str, password: str = PASSWORD, next_page: str | None = None):
    data = {"username": username, "password": password, "csrf_token": _csrf(client, "/anmelden")}
    if next_page is not None:
        data["next"] = next_page
    return client.post("/anmelden", data=data)


# -- the admin's user form ---------------------------------------------------------------------------

def test_admin_sees_the_municipality_as_fixed_not_as_a_field(client, make_user):
    make_user("adam", "admin", "Beispielstadt", "Sachsen")
    _login(client, "adam")
    page = client.get("/verwaltung", headers=HTML).get_data(as_text=True)
    form = page.split('id="new-user-h"')[1].split("</form>")[0]
    assert 'name="municipality"' not in form and 'name="land"' not in form  # nothing that looks editable
    assert re.search(r'id="fixed-municipality"[^>]*>Beispielstadt<', form)
    assert "Fest vorgegeben" in form


def test_network_operator_still_types_the_municipality(client, db, make_user):
    admin_id, _ = make_user("olaf", "admin")
    with db.session() as session:
        session.get(UserRow, admin_id).network_operator = True
    _login(client, "olaf")
    form = client.get("/verwaltung", headers=HTML).get_data(as_text=True).split('id="new-user-h"')[1]
    assert re.search(r'<input id="new-municipality" name="municipality" required', form)
    assert 'name="land"' in form and "fixed-municipality" not in form


def test_a_new_user_must_replace_the_admins_password_at_first_sign_in(client, db, make_user):
    make_user("adam", "admin", "Beispielstadt", "Sachsen")
    _login(client, "adam")
    created = client.post("/verwaltung/benutzer", headers=HTML, data={
        "username": "nina", "password": "Start-Passwort-2468", "role": "clerk", "email": "",
        "csrf_token": _csrf(client, "/verwaltung")})
    assert created.status_code == 302
    page = client.get("/verwaltung", headers=HTML).get_data(as_text=True)
    assert "Bei der ersten Anmeldung muss ein eigenes Passwort festgelegt werden." in page
    with db.session() as session:
        nina = session.scalar(select(UserRow).where(UserRow.username == "nina"))
        assert nina.municipality.name == "Beispielstadt" and nina.must_change_password
    client.post("/abmelden", data={"csrf_token": _csrf(client, "/")})

    # No API token with the admin's password ...
    refused = client.post("/api/auth/token", json={"username": "nina", "password": "Start-Passwort-2468"})
    assert refused.status_code == 403
    # ... and in the browser only the own account until a password of one's own is set.
    signed_in = _login(client, "nina", "Start-Passwort-2468", next_page="/meine")
    assert "/konto" in signed_in.headers["Location"]
    assert client.get("/meine", headers=HTML).headers["Location"].startswith("/konto")
    account = client.get("/konto", headers=HTML).get_data(as_text=True)
    assert 'id="must-change"' in account and "Administration" in account
    changed = client.post("/konto/passwort", data={
        "csrf_token": _csrf(client, "/konto"), "current": "Start-Passwort-2468",
        "password": "Eigenes-Passwort-Rathaus-7", "repeat": "Eigenes-Passwort-Rathaus-7", "next": "/meine"})
    assert changed.headers["Location"].endswith("/meine")
    assert client.get("/meine", headers=HTML).status_code == 200
    with db.session() as session:
        assert not session.scalar(select(UserRow).where(UserRow.username == "nina")).must_change_password
