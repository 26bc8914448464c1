"""Search: filters, access, grouping, incremental updates, degraded mode, bad queries, quality."""

from __future__ import annotations

import pytest

from app import search as search_service
from app.domain import ProcessProfile
from app.storage.models import ProfileRow
from app.storage.profiles import ensure_municipality, save_profile
from retrieval.vector import VectorIndexUnavailable


def _profile(title: str, key: str, **extra) -> ProcessProfile:
    data = {"title": title, "process_key": key, "state": "published", "visibility": "netzwerk",
            "category": "Steuern und Finanzen"} | extra
    return ProcessProfile.model_validate(data)


SAMPLES = [
    ("Beispielstadt", "Sachsen", _profile("Hundesteuer anmelden", "hundesteuer",
                                           description="Ein neu angeschaffter Hund wird zur Steuer angemeldet.",
                                           legal_basis=["Hundesteuersatzung"])),
    ("Musterhausen", "Niedersachsen", _profile("Anmeldung eines Hundes zur Hundesteuer", "hundesteuer",
                                               description="Halter melden ihren Hund an; die Gemeinde setzt die Steuer fest.")),
    ("Exempelfeld", "Nordrhein-Westfalen", _profile("Hundesteuerpflicht anmelden", "hundesteuer",
                                                    description="Hundehaltung wird steuerlich erfasst.")),
    ("Musterhausen", "Niedersachsen", _profile("Sperrmüll abholen lassen", "sperrmuell",
                                               category="Umwelt und Abfall",
                                               description="Bürger beantragen die Abholung von Sperrmüll.")),
    ("Beispielstadt", "Sachsen", _profile("Gewerbe anmelden", "gewerbe",
                                           category="Ordnung und Gewerbe", legal_basis=["§ 14 GewO"],
                                           description="Wer ein Gewerbe beginnt, zeigt es nach § 14 GewO an.")),
    ("Exempelfeld", "Nordrhein-Westfalen", _profile("Internes Verfahren Hundekontrolle", "hundekontrolle",
                                                    visibility="intern",
                                                    description="Kontrolle der Hundesteuermarken im Stadtgebiet.")),
]


@pytest.fixture
def indexed(app, db):
    ids = {}
    with db.session() as session:
        for name, land, profile in SAMPLES:
            municipality = ensure_municipality(session, name, land)
            ids[profile.title] = save_profile(session, profile, municipality=municipality).row.id
    with app.app_context(), db.session() as session:
        search_service.rebuild(session)
    return ids


def _titles(body):
    return [r["title"] for r in body["results"]]


def test_search_finds_and_groups_variants(client, indexed, make_user):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    grouped = client.get("/api/search?q=Hundesteuer&k=5", headers=headers).get_json()
    assert grouped["results"][0]["title"] in {"Hundesteuer anmelden", "Anmeldung eines Hundes zur Hundesteuer",
                                              "Hundesteuerpflicht anmelden"}
    dog_tax = [r for r in grouped["results"] if r["title"] in {
        "Hundesteuer anmelden", "Anmeldung eines Hundes zur Hundesteuer", "Hundesteuerpflicht anmelden"}]
    assert len(dog_tax) == 1 and dog_tax[0]["variants"] == 2
    ungrouped = client.get("/api/search?q=Hundesteuer&k=5&group=false", headers=headers).get_json()
    assert sum(t in {"Hundesteuer anmelden", "Anmeldung eines Hundes zur Hundesteuer", "Hundesteuerpflicht anmelden"}
               for t in _titles(ungrouped)) == 3
    first = grouped["results"][0]
    assert set(first) >= {"id", "external_id", "title", "municipality", "land", "score", "snippet"}
    assert first["snippet"]


def test_filters_by_municipality_land_and_category(client, indexed, make_user):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    only = client.get("/api/search?q=Hund&municipality=Musterhausen&group=false", headers=headers).get_json()
    assert only["results"] and {r["municipality"] for r in only["results"]} == {"Musterhausen"}
    land = client.get("/api/search?q=Hund&land=Sachsen&group=false", headers=headers).get_json()
    assert {r["land"] for r in land["results"]} == {"Sachsen"}
    category = client.get("/api/search?q=anmelden&category=Ordnung%20und%20Gewerbe", headers=headers).get_json()
    assert _titles(category) == ["Gewerbe anmelden"]


def test_intern_profiles_of_other_municipalities_are_hidden(client, indexed, make_user):
    _, outsider = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    _, insider = make_user("erik", "clerk", "Exempelfeld", "Nordrhein-Westfalen")
    query = "/api/search?q=Hundesteuermarken%20Kontrolle&group=false&k=20"
    assert "Internes Verfahren Hundekontrolle" not in _titles(client.get(query, headers=outsider).get_json())
    assert "Internes Verfahren Hundekontrolle" in _titles(client.get(query, headers=insider).get_json())


def test_lexical_mode_splits_compounds(client, indexed, make_user):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    body = client.get("/api/search?q=Sperrmüllabholung&mode=lexical", headers=headers).get_json()
    assert _titles(body)[0] == "Sperrmüll abholen lassen"


def test_incremental_update_on_change_and_archive(app, client, db, indexed, make_user):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    with db.session() as session:
        row = session.get(ProfileRow, indexed["Sperrmüll abholen lassen"])
        from app.storage.profiles import to_domain

        changed = to_domain(row).model_copy(update={"title": "Sperrgutabfuhr auf Abruf"})
        save_profile(session, changed, municipality=row.municipality, row=row)
        with app.app_context():
            search_service.sync_profiles([row], session)
    body = client.get("/api/search?q=Sperrgutabfuhr&mode=lexical", headers=headers).get_json()
    assert _titles(body)[0] == "Sperrgutabfuhr auf Abruf"
    with db.session() as session:
        row = session.get(ProfileRow, indexed["Sperrmüll abholen lassen"])
        archived = to_domain(row).model_copy(update={"state": "archived"})
        save_profile(session, archived, municipality=row.municipality, row=row)
        with app.app_context():
            search_service.sync_profiles([row], session)
            session.commit()
            assert search_service.check(session) == {"missing": [], "stale": [], "orphaned": []}
    body = client.get("/api/search?q=Sperrgutabfuhr&group=false", headers=headers).get_json()
    assert "Sperrgutabfuhr auf Abruf" not in _titles(body)


def test_index_check_reports_missing_and_stale(app, db, indexed):
    with app.app_context(), db.session() as session:
        municipality = ensure_municipality(session, "Musterhausen")
        new_id = save_profile(session, _profile("Zweitwohnungsteuer erheben", "zweitwohnung"),
                              municipality=municipality).row.id
        report = search_service.check(session)
    assert report["missing"] == [new_id]


def test_degraded_mode_when_vector_index_is_down(app, client, indexed, make_user, monkeypatch):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    with app.app_context():
        vector = search_service.engine().vector

    def down(*_args, **_kwargs):
        raise VectorIndexUnavailable("connection refused")

    monkeypatch.setattr(vector, "query", down)
    body = client.get("/api/search?q=Gewerbe%20anmelden", headers=headers).get_json()
    assert body["degraded"] is True and body["mode"] == "lexical"
    assert _titles(body)[0] == "Gewerbe anmelden"


@pytest.mark.parametrize("query, status", [
    ("", 400), ("   ", 400), ("x" * 501, 400),
    ("'; DROP TABLE process_profile; --", 200), ("🐕🐕🐕", 200), ("%%%", 200), ("der die das", 200),
    ("§§§ 14", 200), ("\u0000abc", 200),
])
def test_odd_queries_never_fail(client, indexed, make_user, query, status):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    response = client.get("/api/search", query_string={"q": query}, headers=headers)
    assert response.status_code == status
    if status == 400:
        assert response.mimetype == "application/problem+json" and response.get_json()["detail"]


@pytest.mark.parametrize("params", ["k=0", "k=abc", "k=1000", "mode=magic", "land=Atlantis", "has_steps=vielleicht"])
def test_bad_parameters_get_german_errors(client, indexed, make_user, params):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    response = client.get(f"/api/search?q=Hund&{params}", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith(("Der Parameter", "Unbekannt"))


def test_search_requires_login(client, indexed):
    assert client.get("/api/search?q=Hund").status_code == 401


def test_similar_puts_other_municipalities_first(client, indexed, make_user):
    _, headers = make_user("anna", "clerk", "Beispielstadt", "Sachsen")
    own_id = indexed["Hundesteuer anmelden"]
    body = client.get(f"/api/processes/{own_id}/similar?k=3", headers=headers).get_json()
    assert own_id not in [r["id"] for r in body["results"]]
    assert {r["title"] for r in body["results"][:2]} == {"Anmeldung eines Hundes zur Hundesteuer",
                                                          "Hundesteuerpflicht anmelden"}
    assert body["results"][0]["municipality"] != "Beispielstadt"
