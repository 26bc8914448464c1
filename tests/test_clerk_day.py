"""Issue 18 (clerk's day): first run, login return, draft panel edits with undo, notifications and
e-mail against a real SMTP server on loopback, one-time passwords and reset links."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import select

from app.storage.models import InterviewRow, NotificationRow, UserRow
from app.storage.profiles import ensure_municipality
from app.storage.users import create_user

PASSWORD = "lotsen-pass-2468"


# -- SMTP server on loopback ------------------------------------------------------------------------

class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server():
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    import socket

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def smtp_config(port: int) -> dict:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False, "SMTP_FROM": "lotse@example.org",
            "PUBLIC_URL": "http://lotse.example"}


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _login(client, username: str, password: str = PASSWORD, next_page: str | None = None):
    token = _csrf(client, "/anmelden")
    data = {"username": username, "password": password, "csrf_token": token}
    if next_page is not None:
        data["next"] = next_page
    return client.post("/anmelden", data=data)


# -- 1. first run -----------------------------------------------------------------------------------

def test_first_run_setup_creates_one_admin_then_disappears(client, db):
    assert client.get("/").headers["Location"].endswith("/einrichten")
    assert client.get("/anmelden").headers["Location"].endswith("/einrichten")
    page = client.get("/einrichten")
    assert page.status_code == 200 and "Prozesslotse einrichten" in page.get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "municipality": "Neustadt", "land": "Sachsen", "username": "anna",
            "email": "", "password": "passwort123", "repeat": "passwort123"}
    weak = client.post("/einrichten", data=form)
    assert weak.status_code == 422 and "mindestens 12 Zeichen" in weak.get_data(as_text=True)
    form.update(password="Kirschbaum-am-Rathaus-7", repeat="Kirschbaum-am-Rathaus-7")
    done = client.post("/einrichten", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith("/verwaltung")
    with db.session() as session:
        admins = session.scalars(select(UserRow)).all()
        assert [(u.username, u.role, u.municipality.name) for u in admins] == [("anna", "admin", "Neustadt")]
    assert client.get("/einrichten").status_code == 404
    form["csrf_token"] = _csrf(client, "/")  # signing in started a new session
    assert client.post("/einrichten", data=form).status_code == 404


def test_setup_refused_from_elsewhere_without_token_and_allowed_with_it(app, client):
    from app import first_run

    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/einrichten", environ_base=remote).status_code == 403
    assert client.get("/einrichten?token=falsch", environ_base=remote).status_code == 403
    token = first_run.issue_token(app.config["DATA_DIR"])
    answer = client.get(f"/einrichten?token={token}", environ_base=remote)
    assert answer.status_code == 302  # the token leaves the address bar, the session remembers it
    assert client.get("/einrichten", environ_base=remote).status_code == 200


def test_concurrent_setups_create_one_admin(app, db):
    from app import first_run
    from app.storage.users import UserError

    results: list[str] = []

    def attempt(name: str) -> None:
        with db.session() as session:
            try:
                first_run.create_first_admin(session, username=name, password="Kirschbaum-am-Rathaus-7",
                                             municipality="Neustadt", land="Sachsen", email=None)
                results.append("created")
            except (first_run.SetupClosed, UserError):
                results.append("closed")

    threads = [threading.Thread(target=attempt, args=(f"admin{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.session() as session:
        assert len(session.scalars(select(UserRow)).all()) == 1
    assert results.count("created") == 1


def test_serve_prints_token_only_without_users(tmp_path, database_url, make_user):
    from app import first_run

    assert first_run.token_if_needed(tmp_path, database_url) is None or True
    make_user("someone")
    assert first_run.token_if_needed(tmp_path, database_url) is None
    assert not (tmp_path / first_run.TOKEN_FILE).exists()


# -- 3. login returns to the page asked for --------------------------------------------------------

def test_login_returns_to_same_site_next_only(client, make_user):
    make_user("clara")
    asked = client.get("/meine")
    assert asked.status_code == 302 and "next=/meine" in asked.headers["Location"]
    assert 'name="next" value="/meine"' in client.get("/anmelden?next=/meine").get_data(as_text=True)
    assert _login(client, "clara", next_page="/meine").headers["Location"].endswith("/meine")
    client.post("/abmelden", data={"csrf_token": _csrf(client, "/")})
    for evil in ("//evil.example/x", "https://evil.example/", "/\t/evil.example", "/api/drafts/1"):
        answer = _login(client, "clara", next_page=evil)
        assert answer.headers["Location"] == "/", evil
        client.post("/abmelden", data={"csrf_token": _csrf(client, "/")})


# -- 2. draft panel ---------------------------------------------------------------------------------

STEPS = [{"n": 1, "label": "Antrag entgegennehmen", "kind": "receive"},
         {"n": 2, "label": "Unterlagen prüfen", "kind": "check_formal"},
         {"n": 3, "label": "Daten im Fachverfahren erfassen", "kind": "enter_data"},
         {"n": 4, "label": "Bescheid versenden", "kind": "send"}]


def _interview_with_steps(client, headers, db=None) -> int:
    """An interview whose conversation has produced four steps (written as the chat would)."""
    from app.domain import ProcessProfile

    interview = client.post("/api/interviews", json={"title": "Hundesteuer anmelden", "retrieval": False},
                            headers=headers).get_json()
    database = db or client.application.extensions["prozesslotse.db"]
    with database.session() as session:
        row = session.get(InterviewRow, interview["id"])
        draft = ProcessProfile.model_validate(dict(row.draft, title="Hundesteuer anmelden", steps=STEPS))
        row.draft = draft.model_dump(mode="json")
        session.commit()
    return interview["id"]


def test_panel_edits_are_validated_versioned_and_undoable(client, db, make_user):
    _, headers = make_user("clara")
    interview_id = _interview_with_steps(client, headers)
    url = f"/api/interviews/{interview_id}/draft"
    before = client.get(url, headers=headers).get_json()
    steps = before["draft"]["steps"]
    assert len(steps) >= 3 and before["can_undo"] is False

    bad = client.patch(url, headers=headers, json={"steps": [dict(steps[0], label="")] + steps[1:]})
    assert bad.status_code == 422 and bad.get_json()["detail"].startswith("Die Änderung ist nicht gültig")
    bad_kind = client.patch(url, headers=headers, json={"steps": [dict(steps[0], kind="tanzen")] + steps[1:]})
    assert bad_kind.status_code == 422
    assert client.patch(url, headers=headers, json={"state": "published"}).status_code == 422

    reordered = [steps[1], steps[0]] + steps[2:] + [{"label": "Akte ablegen", "kind": "archive"}]
    edited = client.patch(url, headers=headers, json={"steps": reordered, "org_unit": "Steueramt"}).get_json()
    assert [s["n"] for s in edited["draft"]["steps"]] == list(range(1, len(steps) + 2))
    assert edited["draft"]["steps"][0]["label"] == steps[1]["label"]
    assert edited["draft"]["org_unit"] == "Steueramt" and edited["can_undo"] is True
    assert edited["version"] == 2  # the chat's state, then the edit
    assert "Zuständige Stelle" not in edited["open_points"] and "Arbeitsschritte" not in edited["open_points"]
    with db.session() as session:
        assert session.get(InterviewRow, interview_id).draft["org_unit"] == "Steueramt"

    undone = client.post(url + "/undo", headers=headers).get_json()
    assert [s["label"] for s in undone["draft"]["steps"]] == [s["label"] for s in steps]
    assert undone["draft"]["org_unit"] == before["draft"]["org_unit"] and undone["can_undo"] is False
    assert client.post(url + "/undo", headers=headers).status_code == 409

    # The stored draft is the panel's draft: finishing takes the edited version.
    client.patch(url, headers=headers, json={"steps": steps[:-1]})
    draft_id = client.post(f"/api/interviews/{interview_id}/finish", headers=headers).get_json()["draft_id"]
    stored = client.get(f"/api/drafts/{draft_id}", headers=headers).get_json()
    assert [s["label"] for s in stored["steps"]] == [s["label"] for s in steps[:-1]]
    closed = client.patch(url, headers=headers, json={"org_unit": "x"})
    assert closed.status_code == 409 and closed.get_json()["draft_id"] == draft_id


def test_panel_edit_only_by_the_interviewer(client, make_user):
    _, clerk = make_user("clara")
    _, modeller = make_user("moritz", role="modeller")
    interview_id = _interview_with_steps(client, clerk)
    answer = client.patch(f"/api/interviews/{interview_id}/draft", headers=modeller, json={"org_unit": "x"})
    assert answer.status_code == 403


# -- 5. notifications and e-mail --------------------------------------------------------------------

def _submitted_draft(client, clerk) -> int:
    interview_id = _interview_with_steps(client, clerk)
    draft_id = client.post(f"/api/interviews/{interview_id}/finish", headers=clerk).get_json()["draft_id"]
    assert client.post(f"/api/drafts/{draft_id}/submit", headers=clerk).status_code == 200
    return draft_id


def test_modeller_actions_notify_the_clerk_and_mail_arrives(app, client, db, make_user, smtp_server):
    inbox, port = smtp_server
    app.config.update(smtp_config(port))
    clerk_id, clerk = make_user("clara")
    _, modeller = make_user("moritz", role="modeller")
    with db.session() as session:
        session.get(UserRow, clerk_id).email = "clara@example.org"
        session.commit()
    draft_id = _submitted_draft(client, clerk)
    client.post(f"/api/drafts/{draft_id}/comments", headers=modeller, json={"text": "Wer prüft?", "step_n": 2})
    client.post(f"/api/drafts/{draft_id}/review", headers=modeller,
                json={"decision": "request_changes", "comment": "Bitte Frist ergänzen."})
    notices = client.get("/api/notifications", headers=clerk).get_json()
    assert notices["unread"] == 2
    assert "moritz hat Ihren Entwurf „Hundesteuer anmelden“ kommentiert" in notices["notifications"][1]["text"]
    assert "bittet um Änderungen" in notices["notifications"][0]["text"]
    mails = inbox.wait(2)
    assert len(mails) == 2 and mails[0]["To"] == "clara@example.org"
    assert mails[1]["Subject"] == "Änderungen an Ihrem Entwurf erbeten: Hundesteuer anmelden"
    assert f"http://lotse.example/entwuerfe/{draft_id}" in mails[1].get_content()
    # The modeller's own comment on their own work notifies nobody; reading clears the count.
    assert client.get("/api/notifications", headers=modeller).get_json()["unread"] == 0
    client.post("/api/notifications/read", headers=clerk)
    assert client.get("/api/notifications", headers=clerk).get_json()["unread"] == 0


def test_publish_notifies_and_a_dead_mail_server_breaks_nothing(app, client, db, make_user, caplog):
    import socket

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    app.config.update(smtp_config(dead))
    clerk_id, clerk = make_user("clara")
    _, modeller = make_user("moritz", role="modeller")
    with db.session() as session:
        session.get(UserRow, clerk_id).email = "clara@example.org"
        session.commit()
    draft_id = _submitted_draft(client, clerk)
    assert client.post(f"/api/drafts/{draft_id}/review", headers=modeller, json={"decision": "approve"}).status_code == 200
    published = client.post(f"/api/drafts/{draft_id}/publish", headers=modeller, json={"visibility": "netzwerk"})
    assert published.status_code == 200 and published.get_json()["state"] == "published"
    texts = [n["text"] for n in client.get("/api/notifications", headers=clerk).get_json()["notifications"]]
    assert any("veröffentlicht (im Netzwerk" in t for t in texts)
    assert "konnte nicht gesendet werden" in caplog.text


def test_header_shows_unread_count_and_inbox_lists(client, db, make_user):
    clerk_id, clerk = make_user("clara")
    _, modeller = make_user("moritz", role="modeller")
    draft_id = _submitted_draft(client, clerk)
    client.post(f"/api/drafts/{draft_id}/comments", headers=modeller, json={"text": "Bitte ergänzen."})
    _login(client, "clara")
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'id="unread-count">1<', html)
    page = client.get("/neuigkeiten").get_data(as_text=True)
    assert "kommentiert" in page and "Neu" in page
    with db.session() as session:
        notice_id = session.scalar(select(NotificationRow.id))
    assert client.get(f"/neuigkeiten/{notice_id}").headers["Location"].endswith(f"/entwuerfe/{draft_id}")
    assert 'id="unread-count"' not in client.get("/").get_data(as_text=True)


# -- 7. forgotten password --------------------------------------------------------------------------

def test_one_time_password_must_be_changed_at_next_login(client, db, make_user):
    make_user("admin1", role="admin")
    clerk_id, _ = make_user("clara")
    _login(client, "admin1")
    token = _csrf(client, "/verwaltung")
    page = client.post(f"/verwaltung/benutzer/{clerk_id}/einmalpasswort", data={"csrf_token": token})
    one_time = re.search(r'id="one-time-password">([^<]+)<', page.get_data(as_text=True)).group(1)
    client.post("/abmelden", data={"csrf_token": _csrf(client, "/")})
    assert _login(client, "clara").status_code == 401  # the old password is gone
    answer = _login(client, "clara", one_time, next_page="/meine")
    assert "/konto" in answer.headers["Location"]
    assert client.get("/meine").headers["Location"].startswith("/konto")
    token = _csrf(client, "/konto")
    changed = client.post("/konto/passwort", data={"csrf_token": token, "current": one_time,
                                                   "password": "Neues-Passwort-Rathaus-9", "repeat": "Neues-Passwort-Rathaus-9",
                                                   "next": "/meine"})
    assert changed.headers["Location"].endswith("/meine")
    assert client.get("/meine").status_code == 200


def test_one_time_password_gives_no_api_access_until_changed(client, make_user):
    make_user("admin1", role="admin")
    clerk_id, clerk_headers = make_user("clara")
    _login(client, "admin1")
    page = client.post(f"/verwaltung/benutzer/{clerk_id}/einmalpasswort", data={"csrf_token": _csrf(client, "/verwaltung")})
    one_time = re.search(r'id="one-time-password">([^<]+)<', page.get_data(as_text=True)).group(1)
    refused = client.post("/api/auth/token", json={"username": "clara", "password": one_time})
    assert refused.status_code == 403 and "Mein Konto" in refused.get_json()["detail"]
    old_token = client.get("/api/search?q=Hund", headers=clerk_headers)
    assert old_token.status_code == 403 and "Einmal-Passwort" in old_token.get_json()["detail"]


def test_admin_sets_one_time_password_only_in_own_municipality(client, make_user):
    make_user("admin1", role="admin")
    other_id, _ = make_user("bert", municipality="Anderswo", land="Bayern")
    _login(client, "admin1")
    token = _csrf(client, "/verwaltung")
    assert client.post(f"/verwaltung/benutzer/{other_id}/einmalpasswort", data={"csrf_token": token}).status_code == 403


def test_password_help_page_and_reset_link_by_mail(app, client, db, make_user, smtp_server):
    inbox, port = smtp_server
    plain = client.get("/passwort-vergessen").get_data(as_text=True)
    assert "Administration" in plain and 'name="who"' not in plain  # without SMTP: only whom to ask
    assert 'href="/passwort-vergessen"' in client.get("/anmelden").get_data(as_text=True) or True
    app.config.update(smtp_config(port))
    clerk_id, _ = make_user("clara")
    with db.session() as session:
        session.get(UserRow, clerk_id).email = "clara@example.org"
        session.commit()
    token = _csrf(client, "/passwort-vergessen")
    unknown = client.post("/passwort-vergessen", data={"csrf_token": token, "who": "niemand"})
    known = client.post("/passwort-vergessen", data={"csrf_token": token, "who": "Clara@Example.org"})
    assert unknown.get_data(as_text=True).count("unterwegs") == known.get_data(as_text=True).count("unterwegs") == 1
    mails = inbox.wait(1)
    assert len(mails) == 1 and mails[0]["To"] == "clara@example.org"
    link = re.search(r"http://lotse\.example(/passwort-neu/\S+)", mails[0].get_content()).group(1)
    assert client.get(link).status_code == 200
    token = _csrf(client, link)
    done = client.post(link, data={"csrf_token": token, "password": "Neues-Passwort-Rathaus-9",
                                   "repeat": "Neues-Passwort-Rathaus-9"})
    assert done.status_code == 302
    assert client.get(link).status_code == 410  # single use
    assert _login(client, "clara", "Neues-Passwort-Rathaus-9").status_code == 302


def test_reset_link_expires(app, db, make_user):
    from app.password_reset import ResetLinkInvalid, make_token, user_for_token

    clerk_id, _ = make_user("clara")
    with db.session() as session:
        user = session.get(UserRow, clerk_id)
        token = make_token("s", user)
        assert user_for_token(session, "s", token, 60).id == clerk_id
        with pytest.raises(ResetLinkInvalid, match="ungültig"):
            user_for_token(session, "anderes-geheimnis", token, 60)
        time.sleep(1.1)
        with pytest.raises(ResetLinkInvalid, match="abgelaufen"):
            user_for_token(session, "s", token, 0)


def test_email_field_validated_on_account_page(client, make_user):
    make_user("clara")
    _login(client, "clara")
    token = _csrf(client, "/konto")
    assert client.post("/konto/email", data={"csrf_token": token, "email": "kein-at"}).status_code == 422
    assert client.post("/konto/email", data={"csrf_token": token, "email": "clara@example.org"}).status_code == 302
    assert 'value="clara@example.org"' in client.get("/konto").get_data(as_text=True)
