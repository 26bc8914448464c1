"""Server-rendered pages with the Flask test client: login, roles, CSRF, tenancy, diagram."""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app.domain import ProcessProfile
from app.storage import users as user_store
from app.storage.models import InterviewRow, UserRow
from app.storage.profiles import ensure_municipality, save_profile
from app.bpmn.svg import render_svg

HTML = {"Accept": "text/html"}
STEPS = [
    {"label": "Antrag entgegennehmen", "kind": "receive", "actor": "Bürgerbüro", "minutes": 3},
    {"label": "Antrag auf Vollständigkeit prüfen", "kind": "check_formal", "actor": "Bürgerbüro", "minutes": 5},
    {"label": "Fehlende Unterlagen anfordern", "kind": "search", "actor": "Bürgerbüro", "next_step": 5},
    {"label": "Bescheid <drucken> & prüfen", "kind": "print", "actor": "Poststelle", "media_break": True},
    {"label": "Bescheid versenden", "kind": "send", "actor": "Poststelle", "minutes": 1},
]
PAGES_BY_ROLE = {
    "/": ("clerk", "modeller", "admin"),
    "/suche": ("clerk", "modeller", "admin"),
    "/erfassen": ("clerk", "admin"),
    "/meine": ("clerk", "admin"),
    "/pruefung": ("modeller", "admin"),
    "/verwaltung": ("admin",),
}


_hash_once = functools.lru_cache(maxsize=None)(user_store.hash_password)


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """Six users per test: hash the shared test password once (argon2 is not under test here)."""
    monkeypatch.setattr(user_store, "hash_password", _hash_once)


def _profile(title: str = "Hundesteuer anmelden", **extra) -> ProcessProfile:
    return ProcessProfile.model_validate({
        "title": title, "state": "draft", "visibility": "intern", "case_volume_per_year": 300,
        "steps": [dict(s, n=i + 1) for i, s in enumerate(STEPS)],
        "decisions": [{"after_step": 2, "question": "Vollständig?", "branches": [
            {"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}]}], **extra})


@pytest.fixture
def people(make_user):
    return {
        "clerk": make_user("clara", "clerk", "Simulationshausen", "Thüringen")[0],
        "colleague": make_user("carl", "clerk", "Simulationshausen", "Thüringen")[0],
        "modeller": make_user("mona", "modeller", "Simulationshausen", "Thüringen")[0],
        "admin": make_user("adam", "admin", "Simulationshausen", "Thüringen")[0],
        "other_clerk": make_user("olga", "clerk", "Musterhausen", "Niedersachsen")[0],
        "other_modeller": make_user("otto", "modeller", "Musterhausen", "Niedersachsen")[0],
    }


@pytest.fixture
def draft_id(db, people):
    with db.session() as session:
        municipality = ensure_municipality(session, "Simulationshausen")
        return save_profile(session, _profile(), municipality=municipality, author_id=people["clerk"]).row.id


@pytest.fixture
def login(app):
    """A fresh test client signed in as the given user (session cookie, like a browser)."""

    def factory(user_id: int | None):
        client = app.test_client()
        if user_id is not None:
            with client.session_transaction() as session:
                session["user_id"] = user_id
        return client

    return factory


def _token(client) -> str:
    page = client.get("/anmelden", headers=HTML).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _page_token(client, path: str = "/") -> str:
    page = client.get(path, headers=HTML).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


# -- login and roles ----------------------------------------------------------------------

@pytest.mark.parametrize("path", [*PAGES_BY_ROLE, "/prozesse/1", "/prozesse/1/vergleich/2", "/prozesse/1/diagramm.svg",
                                  "/entwuerfe/1", "/entwuerfe/1/analyse", "/interviews/1"])
def test_logged_out_is_sent_to_login(client, make_user, path):
    make_user("anna")  # an instance with users: no first-run set-up page
    response = client.get(path, headers=HTML)
    assert response.status_code == 302
    location = response.headers["Location"]
    # Sign in, then back to the page asked for (issue 18: ``next``); the start page needs no ``next``.
    assert location == "/anmelden" if path == "/" else location == f"/anmelden?next={path}"


def test_pages_per_role(login, people):
    for role in ("clerk", "modeller", "admin"):
        client = login(people[role])
        for path, roles in PAGES_BY_ROLE.items():
            response = client.get(path, headers=HTML)
            body = response.get_data(as_text=True)
            if role in roles:
                assert response.status_code == 200, (role, path)
                assert '<html lang="de">' in body
            else:
                assert response.status_code == 403, (role, path)
                assert "Keine Berechtigung" in body and "für Ihre Rolle nicht freigegeben" in body
                assert '<html lang="de">' in body


def test_navigation_follows_the_role(login, people):
    nav = lambda role: re.search(r'<nav class="mainnav".*?</nav>', login(people[role]).get(  # noqa: E731
        "/", headers=HTML).get_data(as_text=True), re.S).group(0)
    clerk, modeller, admin = nav("clerk"), nav("modeller"), nav("admin")
    assert "Neuen Prozess erfassen" in clerk and "Meine Interviews und Entwürfe" in clerk
    assert "Prüfwarteschlange" not in clerk and "Kommunen und Benutzer" not in clerk
    assert "Prüfwarteschlange" in modeller and "Neuen Prozess erfassen" not in modeller
    assert all(label in admin for label in ("Prüfwarteschlange", "Kommunen und Benutzer", "Prozesse suchen"))
    assert all("Prozesse suchen" in n for n in (clerk, modeller, admin))


def test_login_form_and_logout(client, people):
    token = _token(client)
    answer = client.post("/anmelden", data={"username": "clara", "password": "lotsen-pass-2468", "csrf_token": token})
    assert answer.status_code == 302
    page = client.get("/", headers=HTML).get_data(as_text=True)
    assert "Willkommen, clara" in page and "Abmelden" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/abmelden", data={"csrf_token": token}).status_code == 302
    assert client.get("/suche", headers=HTML).status_code == 302


# -- CSRF ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, data", [
    ("/erfassen", {"title": "Hundesteuer"}),
    ("/verwaltung/benutzer", {"username": "neu", "password": "lotsen-pass-2468", "role": "clerk",
                              "municipality": "Simulationshausen"}),
    ("/abmelden", {}),
])
def test_form_posts_without_csrf_token_are_refused(login, people, db, path, data):
    client = login(people["admin"])
    response = client.post(path, data=data, headers=HTML)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with db.session() as session:
        assert session.scalar(select(UserRow).where(UserRow.username == "neu")) is None
        assert session.scalar(select(InterviewRow)) is None


def test_api_calls_from_the_browser_need_the_csrf_header(login, people, draft_id):
    client = login(people["modeller"])
    refused = client.post(f"/api/drafts/{draft_id}/comments", json={"text": "Hallo"})
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert "CSRF" in refused.get_json()["detail"]
    token = _page_token(client, f"/entwuerfe/{draft_id}")
    accepted = client.post(f"/api/drafts/{draft_id}/comments", json={"text": "Hallo"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


# -- capture ---------------------------------------------------------------------------------

def test_clerk_starts_an_interview_and_sees_the_chat(login, people):
    client = login(people["clerk"])
    token = _page_token(client, "/erfassen")
    started = client.post("/erfassen", data={"title": "", "csrf_token": token}, headers=HTML)
    assert started.status_code == 302
    page = client.get(started.headers["Location"], headers=HTML).get_data(as_text=True)
    assert 'role="log"' in page and 'aria-live="polite"' in page
    assert '<label for="message">Ihre Nachricht</label>' in page
    assert "Fertig – zur Prüfung geben" in page and "Guten Tag!" in page
    assert 'id="interview-data"' in page and "chat.js" in page
    mine = client.get("/meine", headers=HTML).get_data(as_text=True)
    assert "Interviews" in mine and "offen" in mine


def test_overlong_title_is_refused_in_german(login, people):
    client = login(people["clerk"])
    token = _page_token(client, "/erfassen")
    response = client.post("/erfassen", data={"title": "x" * 301, "csrf_token": token}, headers=HTML)
    assert response.status_code == 422 and "zu lang" in response.get_data(as_text=True)


def test_interviews_are_private_to_their_clerk(login, people):
    owner = login(people["clerk"])
    token = _page_token(owner, "/erfassen")
    location = owner.post("/erfassen", data={"csrf_token": token}, headers=HTML).headers["Location"]
    assert login(people["colleague"]).get(location, headers=HTML).status_code == 404
    assert login(people["other_modeller"]).get(location, headers=HTML).status_code == 404
    as_modeller = login(people["modeller"]).get(location, headers=HTML)
    assert as_modeller.status_code == 200
    assert 'id="message"' not in as_modeller.get_data(as_text=True), "only the owner writes in the chat"
    colleague_list = login(people["colleague"]).get("/meine", headers=HTML).get_data(as_text=True)
    assert f'href="{location}"' not in colleague_list and "Noch keine Interviews" in colleague_list
    assert f'href="{location}"' in owner.get("/meine", headers=HTML).get_data(as_text=True)


# -- review ----------------------------------------------------------------------------------

def test_draft_tenancy_on_pages(login, people, draft_id):
    assert login(people["clerk"]).get(f"/entwuerfe/{draft_id}", headers=HTML).status_code == 200
    assert login(people["modeller"]).get(f"/entwuerfe/{draft_id}", headers=HTML).status_code == 200
    for who in ("colleague", "other_clerk", "other_modeller"):
        response = login(people[who]).get(f"/entwuerfe/{draft_id}", headers=HTML)
        assert response.status_code == 404, who
        assert "nicht sichtbar" in response.get_data(as_text=True)
    assert login(people["other_clerk"]).get(f"/prozesse/{draft_id}", headers=HTML).status_code == 404
    assert login(people["other_modeller"]).get(f"/prozesse/{draft_id}/diagramm.svg").status_code == 404
    assert login(people["other_modeller"]).get(f"/entwuerfe/{draft_id}/analyse").status_code == 404


def test_review_queue_lists_the_municipality_only(login, people, draft_id, db):
    with db.session() as session:
        other = ensure_municipality(session, "Musterhausen")
        save_profile(session, _profile("Fremder Entwurf", state="in_review"), municipality=other,
                     author_id=people["other_clerk"])
    modeller = login(people["modeller"])
    clerk = login(people["clerk"])
    assert clerk.post(f"/api/drafts/{draft_id}/submit", headers={"X-CSRFToken": _page_token(clerk)}).status_code == 200
    queue = modeller.get("/pruefung", headers=HTML).get_data(as_text=True)
    assert "Hundesteuer anmelden" in queue and "Fremder Entwurf" not in queue and "in Prüfung" in queue
    other_queue = login(people["other_modeller"]).get("/pruefung", headers=HTML).get_data(as_text=True)
    assert "Fremder Entwurf" in other_queue and "Hundesteuer anmelden" not in other_queue
    page = modeller.get(f"/entwuerfe/{draft_id}", headers=HTML).get_data(as_text=True)
    assert 'data-action="approve"' in page and 'data-action="request_changes"' in page
    assert 'id="step-editor"' in page and "Steckbrief speichern" in page
    clerk_page = clerk.get(f"/entwuerfe/{draft_id}", headers=HTML).get_data(as_text=True)
    assert 'data-action="approve"' not in clerk_page and 'id="step-editor"' not in clerk_page


def test_draft_page_shows_diagram_figures_and_versions(login, people, draft_id):
    client = login(people["modeller"])
    page = client.get(f"/entwuerfe/{draft_id}", headers=HTML).get_data(as_text=True)
    assert "<svg" in page and "Ablaufdiagramm" in page and "Kennzahlen" in page and "Versionen" in page
    assert 'id="draft-data"' in page and "Dokument/Information entgegennehmen" in page
    token = _page_token(client, f"/entwuerfe/{draft_id}")
    steps = [dict(s, n=i + 1) for i, s in enumerate(STEPS)]
    steps[0]["label"] = "Antrag am Schalter entgegennehmen"
    patched = client.patch(f"/api/drafts/{draft_id}", json={"steps": steps}, headers={"X-CSRFToken": token})
    assert patched.status_code == 200
    fragment = client.get(f"/entwuerfe/{draft_id}/analyse", headers=HTML).get_data(as_text=True)
    assert "Antrag am Schalter entgegennehmen" in fragment and "<html" not in fragment
    assert 'data-version="2"' in fragment


def test_done_message_after_an_action(login, people, draft_id):
    page = login(people["clerk"]).get(f"/entwuerfe/{draft_id}?erledigt=submit", headers=HTML).get_data(as_text=True)
    assert "Der Entwurf ist zur Prüfung gegeben." in page
    page = login(people["clerk"]).get(f"/entwuerfe/{draft_id}?erledigt=<script>", headers=HTML).get_data(as_text=True)
    assert "<script>" not in page.split('id="draft-data"')[0].split("</h1>")[1]


# -- published processes --------------------------------------------------------------------

def test_no_diagram_downloads_for_a_profile_without_steps(login, people, db):
    with db.session() as session:
        home = ensure_municipality(session, "Simulationshausen")
        bare = _profile("Nur ein Steckbrief", state="published", visibility="netzwerk").model_copy(
            update={"steps": [], "decisions": []})
        profile_id = save_profile(session, bare, municipality=home).row.id
    body = login(people["other_clerk"]).get(f"/prozesse/{profile_id}", headers=HTML).get_data(as_text=True)
    assert "Ablaufdiagramm (SVG)" not in body and "BPMN 2.0 (XML)" not in body
    assert "keine Arbeitsschritte erfasst" in body and "JSON (Prozesssteckbrief" in body


def test_published_profiles_are_readable_only_when_shared(login, people, db):
    with db.session() as session:
        home = ensure_municipality(session, "Simulationshausen")
        intern = save_profile(session, _profile("Intern veröffentlicht", state="published", visibility="intern"),
                              municipality=home).row.id
        shared = save_profile(session, _profile("Im Netzwerk", state="published", visibility="netzwerk"),
                              municipality=home).row.id
    stranger = login(people["other_clerk"])
    assert stranger.get(f"/prozesse/{intern}", headers=HTML).status_code == 404
    page = stranger.get(f"/prozesse/{shared}", headers=HTML)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Im Netzwerk" in body and "<svg" in body and "Kennzahlen" in body and "Bürgerbüro" in body
    assert f'href="/api/processes/{shared}"' in body and f"/prozesse/{shared}/koos.md" in body
    svg = stranger.get(f"/prozesse/{shared}/diagramm.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    ET.fromstring(svg.get_data(as_text=True).split("\n", 1)[1])
    koos = stranger.get(f"/prozesse/{shared}/koos.md")
    assert koos.status_code == 200 and "# Im Netzwerk" in koos.get_data(as_text=True)
    compare = stranger.get(f"/prozesse/{shared}/vergleich/{shared}", headers=HTML)
    assert compare.status_code == 200 and "Schritte nebeneinander" in compare.get_data(as_text=True)
    assert stranger.get(f"/prozesse/{shared}/vergleich/{intern}", headers=HTML).status_code == 404
    assert stranger.get("/prozesse/999999", headers=HTML).status_code == 404


def test_search_page_without_query_and_with_bad_filter(login, people):
    client = login(people["clerk"])
    page = client.get("/suche", headers=HTML).get_data(as_text=True)
    assert 'role="search"' in page and '<label for="q">Suchbegriff</label>' in page
    assert '<label for="municipality">Kommune</label>' in page and '<label for="land">Bundesland</label>' in page
    bad = client.get("/suche?q=Hund&land=Atlantis", headers=HTML)
    assert bad.status_code == 200 and "Unbekanntes Bundesland" in bad.get_data(as_text=True)
    empty = client.get("/suche?municipality=Simulationshausen", headers=HTML).get_data(as_text=True)
    assert "Bitte geben Sie einen Suchbegriff ein." in empty


# -- administration --------------------------------------------------------------------------

def test_admin_creates_users_and_municipalities(login, people, db):
    """A network operator (granted on the command line) creates users and municipalities anywhere."""
    with db.session() as session:
        session.get(UserRow, people["admin"]).network_operator = True
    client = login(people["admin"])
    page = client.get("/verwaltung", headers=HTML).get_data(as_text=True)
    assert "Simulationshausen" in page and "clara" in page and "Sachbearbeitung" in page
    token = _page_token(client, "/verwaltung")
    form = {"username": "neu", "password": "lotsen-pass-2468", "role": "modeller", "municipality": "Neudorf",
            "land": "", "csrf_token": token}
    missing_land = client.post("/verwaltung/benutzer", data=form, headers=HTML)
    assert missing_land.status_code == 422 and "Bundesland angeben" in missing_land.get_data(as_text=True)
    short = client.post("/verwaltung/benutzer", data=dict(form, password="kurz", land="Bayern"), headers=HTML)
    assert short.status_code == 422 and "mindestens 12 Zeichen" in short.get_data(as_text=True)
    taken = client.post("/verwaltung/benutzer", data=dict(form, username="clara", land="Bayern"), headers=HTML)
    assert taken.status_code == 422 and "gibt es schon" in taken.get_data(as_text=True)
    created = client.post("/verwaltung/benutzer", data=dict(form, land="Bayern"), headers=HTML)
    assert created.status_code == 302
    after = client.get("/verwaltung", headers=HTML).get_data(as_text=True)
    assert "Benutzer „neu“" in after and "Neudorf" in after
    with db.session() as session:
        user = session.scalar(select(UserRow).where(UserRow.username == "neu"))
        assert user.role == "modeller" and user.municipality.name == "Neudorf" and user.municipality.land == "Bayern"
    existing = client.post("/verwaltung/benutzer", data=dict(form, username="neu2", municipality="Simulationshausen"),
                           headers=HTML)
    assert existing.status_code == 302, "no Land needed for an existing municipality"


def test_non_admin_cannot_post_users(login, people):
    client = login(people["modeller"])
    token = _page_token(client)
    response = client.post("/verwaltung/benutzer", data={"username": "x", "password": "lotsen-pass-2468", "role": "admin",
                                                         "municipality": "Simulationshausen", "csrf_token": token},
                           headers=HTML)
    assert response.status_code == 403


# -- diagram ----------------------------------------------------------------------------------

def test_diagram_has_lanes_boxes_gateways_and_escapes_text():
    svg = render_svg(_profile(), id_prefix="t")
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t-title t-desc"
    assert len(root.findall(".//s:g[@class='step']", ns)) == len(STEPS)
    assert len(root.findall(".//s:g[@class='lane']", ns)) == 2  # Bürgerbüro, Poststelle
    assert len(root.findall(".//s:g[@class='gateway']", ns)) == 1  # the decision (plus a join before step 5)
    assert len(root.findall(".//s:path[@class='edge']", ns)) >= len(STEPS) + 1
    assert "Bescheid &lt;drucken&gt; &amp; prüfen" in svg
    assert "Ablaufdiagramm: Hundesteuer anmelden" in svg
    assert "5 Schritte in 2 Zuständigkeitsbahnen" in svg and "1 Entscheidung." in svg
    assert "<script" not in svg and " style=" not in svg and "<?xml" not in svg  # CSP-safe inline markup
    with pytest.raises(ValueError):
        render_svg(ProcessProfile(title="Ohne Schritte"))


def test_one_renderer_for_pages_and_downloads(login, people, draft_id):
    """The page shows the BPMN export's layout: the same step boxes at the same places as the download."""
    client = login(people["modeller"])
    page = client.get(f"/entwuerfe/{draft_id}", headers=HTML).get_data(as_text=True)
    download = client.get(f"/prozesse/{draft_id}/diagramm.svg").get_data(as_text=True)
    inline = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    boxes = re.compile(r'<g class="step" data-step="(\d+)"[^>]*><title>[^<]*</title><rect x="([\d.]+)" y="([\d.]+)"')
    assert boxes.findall(inline) and boxes.findall(inline) == boxes.findall(download)
    assert download.startswith("<?xml") and "Informationsfluss" in download  # legend in the file
    assert 'class="legend"' in page and "Medienbruch" in page  # HTML legend on the page
    assert not (re.search(r"app/web/diagram\.py", page))


def test_search_page_finds_shared_processes_only(login, people, db):
    with db.session() as session:
        home = ensure_municipality(session, "Simulationshausen")
        ids = {visibility: save_profile(session, _profile(f"Hundesteuer {visibility}"), municipality=home,
                                        author_id=people["clerk"]).row.id for visibility in ("intern", "netzwerk")}
    clerk, modeller = login(people["clerk"]), login(people["modeller"])
    clerk_csrf, modeller_csrf = {"X-CSRFToken": _page_token(clerk)}, {"X-CSRFToken": _page_token(modeller)}
    for visibility, profile_id in ids.items():
        assert clerk.post(f"/api/drafts/{profile_id}/submit", headers=clerk_csrf).status_code == 200
        assert modeller.post(f"/api/drafts/{profile_id}/review", json={"decision": "approve"},
                             headers=modeller_csrf).status_code == 200
        assert modeller.post(f"/api/drafts/{profile_id}/publish", json={"visibility": visibility},
                             headers=modeller_csrf).status_code == 200
    stranger = login(people["other_clerk"]).get("/suche?q=Hundesteuer+anmelden&municipality=Simulationshausen",
                                                 headers=HTML).get_data(as_text=True)
    assert f'href="/prozesse/{ids["netzwerk"]}"' in stranger and f'href="/prozesse/{ids["intern"]}"' not in stranger
    assert "Simulationshausen" in stranger and "Treffer" in stranger
    own = login(people["colleague"]).get("/suche?q=Hundesteuer+anmelden", headers=HTML).get_data(as_text=True)
    assert f'href="/prozesse/{ids["intern"]}"' in own


def test_offered_template_is_found_among_the_cards():
    from app.web.capture import offered_title

    card = {"id": 1, "title": "Anmeldung eines Hundes", "municipality": "Beispielstadt"}
    offer = {"role": "assistant", "slot": "confirm_template", "suggestions": [card],
             "text": "In Beispielstadt ist ein ähnlicher Ablauf dokumentiert: „Anmeldung eines Hundes“."}
    assert offered_title([offer]) == "Anmeldung eines Hundes"
    assert offered_title([dict(offer, text="Ein anderer Ablauf: „Hund melden“.")]) == ""
    assert offered_title([offer, {"role": "clerk", "text": "Ja", "slot": None, "suggestions": []},
                          dict(offer, slot="title")]) is None
