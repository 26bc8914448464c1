"""What a usability walkthrough of the running service found (without a browser): the admin's user form
and new users' first password; process versions that are changes of the content, not of the status."""

from __future__ import annotations

import re

import pytest

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


# -- versions are changes of the content --------------------------------------------------------------

STEPS = [
    {"n": 1, "label": "Antrag entgegennehmen", "kind": "receive", "actor": "Bürgerbüro", "minutes": 3},
    {"n": 2, "label": "Antrag auf Vollständigkeit prüfen", "kind": "check_formal", "actor": "Bürgerbüro"},
    {"n": 3, "label": "Bescheid versenden", "kind": "send", "actor": "Bürgerbüro", "minutes": 1},
]


def _draft(db, author_id: int, municipality: str = "Beispielstadt") -> int:
    from app.domain import ProcessProfile
    from app.storage.profiles import ensure_municipality, save_profile

    profile = ProcessProfile.model_validate({"title": "Angelerlaubnis erteilen", "state": "draft",
                                             "visibility": "intern", "steps": STEPS})
    with db.session() as session:
        return save_profile(session, profile, municipality=ensure_municipality(session, municipality),
                            author_id=author_id).row.id


def _page_data(client, profile_id: int) -> tuple[str, dict]:
    import json

    page = client.get(f"/entwuerfe/{profile_id}", headers=HTML).get_data(as_text=True)
    raw = page.split('<script type="application/json" id="draft-data">')[1].split("</script>")[0]
    return page, json.loads(raw)


def test_status_changes_are_history_events_not_versions(client, db, make_user):
    clerk_id, clerk = make_user("clara", "clerk")
    _, modeller = make_user("mona", "modeller")
    draft_id = _draft(db, clerk_id)
    base = f"/api/drafts/{draft_id}"
    assert client.post(f"{base}/submit", headers=clerk).get_json()["version"] == 1
    asked = client.post(f"{base}/review", json={"decision": "request_changes", "comment": "Schritt 2 genauer."},
                        headers=modeller).get_json()
    assert asked["state"] == "changes_requested" and asked["version"] == 1
    edited = client.patch(base, json={"customer": "Anglerinnen und Angler"}, headers=clerk).get_json()
    assert edited["version"] == 2  # a change of the content is a version
    client.post(f"{base}/submit", headers=clerk)
    client.post(f"{base}/review", json={"decision": "approve"}, headers=modeller)
    published = client.post(f"{base}/publish", json={"visibility": "netzwerk"}, headers=modeller).get_json()
    assert published["state"] == "published" and published["version"] == 2

    versions = client.get(f"{base}/versions", headers=modeller).get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert not any((v["note"] or "").startswith("Status") for v in versions)
    diff = client.get(f"{base}/diff?from=1&to=2", headers=modeller).get_json()
    assert "customer" in [f["field"] for f in diff["fields"]] and not diff["steps"]

    # The draft page counts the versions and lists the status changes beside them, without a number.
    signed_in = client.application.test_client()
    with signed_in.session_transaction() as session:
        session["user_id"] = clerk_id
    page, data = _page_data(signed_in, draft_id)
    assert 'id="draft-version">Version 2<' in page
    assert re.search(r'id="versions-count">\(2\)<', page)
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert [(s["state"], s["author"]) for s in data["status_history"]] == [
        ("in_review", "clara"), ("changes_requested", "mona"), ("in_review", "clara"), ("approved", "mona"),
        ("published", "mona")]
    assert data["status_history"][-1]["visibility"] == "netzwerk"


def test_an_edit_after_approval_is_one_version_and_one_status_change(client, db, make_user):
    clerk_id, clerk = make_user("clara", "clerk")
    modeller_id, modeller = make_user("mona", "modeller")
    draft_id = _draft(db, clerk_id)
    client.post(f"/api/drafts/{draft_id}/submit", headers=clerk)
    client.post(f"/api/drafts/{draft_id}/review", json={"decision": "approve"}, headers=modeller)
    steps = [dict(s) for s in STEPS]
    steps[2]["label"] = "Erlaubnis versenden"
    reopened = client.patch(f"/api/drafts/{draft_id}", json={"steps": steps}, headers=modeller).get_json()
    assert reopened["state"] == "in_review" and reopened["version"] == 2
    signed_in = client.application.test_client()
    with signed_in.session_transaction() as session:
        session["user_id"] = modeller_id
    _, data = _page_data(signed_in, draft_id)
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert [(s["action"], s["state"]) for s in data["status_history"]] == [
        ("profile.submit", "in_review"), ("profile.approve", "approved"), ("profile.reopen", "in_review")]


# -- existing data: migration 0006 turns status versions into history events ---------------------------

@pytest.fixture
def database_at_0005(request, tmp_path, db_backend):
    """An empty database migrated only to 0005 (SQLite file, or a PostgreSQL database of its own)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.storage.migrate import upgrade

    if db_backend == "postgresql":
        from conftest import PG_URL

        base = make_url(PG_URL)
        name = f"{base.database}_migration_0006"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'migration.db'}"
    upgrade(url, "0005")
    yield url
    if db_backend == "postgresql":
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_turns_status_versions_into_history_events(database_at_0005):
    """Data written by the old code (a version per status change) keeps everything, counted as it should."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.domain import ProcessProfile
    from app.storage.migrate import upgrade
    from app.storage.models import AuditEventRow, ProfileRow, ProfileVersionRow
    from app.storage.profiles import ensure_municipality, to_domain
    from app.storage.users import create_user

    engine = create_engine(database_at_0005)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with Session(engine) as session:
        town = ensure_municipality(session, "Beispielstadt", "Sachsen")
        clara = create_user(session, "clara", PASSWORD, "clerk", town)
        mona = create_user(session, "mona", PASSWORD, "modeller", town)
        profile = ProcessProfile.model_validate({"title": "Angelerlaubnis erteilen", "state": "draft",
                                                 "visibility": "intern", "steps": STEPS})
        row = ProfileRow(municipality=town, title=profile.title, state="draft", visibility="intern", content={},
                         step_count=3, version=6, created_by_id=clara.id)
        session.add(row)
        session.flush()
        row.content = profile.model_dump(mode="json", exclude={"id", "municipality", "land", "external_id",
                                                               "process_key", "title", "category", "state",
                                                               "visibility", "source"})
        first = to_domain(row).model_dump(mode="json")
        edited = dict(first, state="changes_requested", customer="Anglerinnen und Angler")
        # What the old code wrote: 1 content, 2-3 status, 4 content, 5-6 status (5 without its audit event).
        history = [(first, clara, "Aus Interview erstellt"),
                   (dict(first, state="in_review"), clara, "Status: in_review"),
                   (dict(first, state="changes_requested"), mona, "Status: changes_requested"),
                   (edited, clara, "Bearbeitet"), (dict(edited, state="in_review"), clara, "Status: in_review"),
                   (dict(edited, state="published", visibility="netzwerk"), mona, "Status: published")]
        for number, (content, author, note) in enumerate(history, start=1):
            at = start + timedelta(hours=number)
            session.add(ProfileVersionRow(profile_id=row.id, version=number, content=content, author_id=author.id,
                                          note=note, created_at=at))
            if note.startswith("Status") and number != 5:
                action = {"in_review": "submit", "changes_requested": "request_changes",
                          "published": "publish"}[content["state"]]
                session.add(AuditEventRow(at=at + timedelta(milliseconds=30), user_id=author.id,
                                          action=f"profile.{action}", object_type="profile", object_id=str(row.id),
                                          before={"state": history[number - 2][0]["state"]},
                                          after={"state": content["state"], "visibility": content["visibility"]}))
        row.state, row.visibility = "published", "netzwerk"
        row.content = dict(row.content, customer="Anglerinnen und Angler")
        profile_id, clara_id = row.id, clara.id
        session.commit()

    upgrade(database_at_0005)

    with Session(engine) as session:
        versions = session.query(ProfileVersionRow).filter_by(profile_id=profile_id).order_by(
            ProfileVersionRow.version).all()
        assert [(v.version, v.note) for v in versions] == [(1, "Aus Interview erstellt"), (2, "Bearbeitet")]
        assert versions[0].content == first and versions[1].content == edited  # the snapshots, unchanged
        assert session.get(ProfileRow, profile_id).version == 2
        events = session.query(AuditEventRow).filter_by(object_id=str(profile_id)).order_by(
            AuditEventRow.at, AuditEventRow.id).all()
        actions = [e.action for e in events]
        assert actions == ["profile.submit", "profile.request_changes", "profile.status", "profile.publish",
                           "profile.versions_renumbered"]
        added = events[2]  # the status version that had no audit event of its own
        assert added.user_id == clara_id and added.detail == "Status: in_review"
        assert added.before == {"state": "changes_requested", "visibility": "intern"}
        assert added.after == {"state": "in_review", "visibility": "intern"}
        assert events[-1].before == {"versions": [1, 4], "status_changes": [2, 3, 5, 6]}
        assert events[-1].after == {"versions": [1, 2]}
    engine.dispose()


# -- the interview page: suggestion cards ------------------------------------------------------------

def test_interview_page_shows_only_cards_that_can_serve_as_a_template(client, db, make_user):
    from app.domain import ProcessProfile
    from app.storage.models import InterviewMessageRow, InterviewRow
    from app.storage.profiles import ensure_municipality, save_profile

    clerk_id, clerk = make_user("clara", "clerk", "Simulationshausen", "Thüringen")
    with db.session() as session:
        other = ensure_municipality(session, "Beispielstadt", "Sachsen")
        ids = []
        for title, steps, visibility in [("Hund anmelden", STEPS, "netzwerk"), ("Hund ummelden", [], "netzwerk"),
                                         ("Hund abmelden", STEPS, "intern")]:
            profile = ProcessProfile.model_validate({"title": title, "state": "published", "visibility": visibility,
                                                     "steps": steps})
            ids.append(save_profile(session, profile, municipality=other).row.id)
    interview_id = client.post("/api/interviews", json={"retrieval": False}, headers=clerk).get_json()["id"]
    with db.session() as session:
        interview = session.get(InterviewRow, interview_id)
        cards = [{"id": i, "title": t, "municipality": "Beispielstadt", "land": "Sachsen", "score": 0.9,
                  "snippet": "Anmeldung, Prüfung, Bescheid."} for i, t in zip(ids, ["Hund anmelden", "Hund ummelden",
                                                                                   "Hund abmelden"])]
        session.add(InterviewMessageRow(interview_id=interview_id, seq=len(interview.messages) + 1, role="assistant",
                                        text="In Beispielstadt ist ein ähnlicher Ablauf dokumentiert. Passt das?",
                                        slot="confirm_template", suggestions=cards))
    signed_in = client.application.test_client()
    with signed_in.session_transaction() as session:
        session["user_id"] = clerk_id
    page = signed_in.get(f"/interviews/{interview_id}", headers=HTML).get_data(as_text=True)
    shown = re.findall(r'<li class="suggestion" data-id="(\d+)"[^>]*data-steps="(\d+)"', page)
    # Without steps it cannot be taken over; the internal one of another town cannot even be opened.
    assert shown == [(str(ids[0]), "3")]
    assert "Hund ummelden" not in page and "Hund abmelden" not in page
    assert '<p class="card-steps">3 Arbeitsschritte</p>' in page
    assert "<summary>Details" in page  # the snippet is behind a toggle
