"""A draft from the interview engine is reviewed, corrected, compared, approved and published through the
API, and found by another municipality's account."""

from __future__ import annotations

import pytest


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_interview_to_published_profile(client, runner, make_user):
    assert runner.invoke(args=["corpus", "load"]).exit_code == 0
    _, clerk = make_user("clara", "clerk", "Simulationshausen", "Thüringen")
    _, modeller = make_user("mona", "modeller", "Simulationshausen", "Thüringen")
    _, outsider = make_user("otto", "clerk", "Musterhausen", "Niedersachsen")

    interview = client.post("/api/interviews", json={}, headers=clerk).get_json()
    say = lambda text: client.post(f"/api/interviews/{interview['id']}/messages", json={"text": text},  # noqa: E731
                                   headers=clerk).get_json()
    offer = say("Hallo, ich bin im Steueramt und kümmere mich um die Hundesteuer, wenn jemand einen Hund anmeldet. "
                "Das sind ca. 380 Fälle im Jahr.")
    assert offer["reply"]["slot"] == "confirm_template"
    template_id = offer["reply"]["suggestions"][0]["id"]
    say("Ja, das passt so.")
    say("Hundesteuer in Simulationshausen anmelden")
    draft_id = client.post(f"/api/interviews/{interview['id']}/finish", headers=clerk).get_json()["draft_id"]

    assert client.post(f"/api/drafts/{draft_id}/submit", headers=clerk).get_json()["state"] == "in_review"
    draft = client.get(f"/api/drafts/{draft_id}", headers=modeller).get_json()
    steps = draft["steps"]
    steps[0]["label"] = "Anmeldung im Bürgerbüro entgegennehmen"
    corrected = client.patch(f"/api/drafts/{draft_id}", json={"steps": steps}, headers=modeller)
    assert corrected.status_code == 200 and corrected.get_json()["steps"][0]["label"].startswith("Anmeldung im")

    similar = client.get(f"/api/processes/{draft_id}/similar?k=5", headers=modeller).get_json()["results"]
    assert similar and similar[0]["municipality"] != "Simulationshausen"
    comparison = client.get(f"/api/processes/{draft_id}/compare/{template_id}", headers=modeller).get_json()
    assert sum(row["status"] == "match" for row in comparison["steps"]) >= len(steps) - 1

    assert client.post(f"/api/drafts/{draft_id}/review", json={"decision": "approve"},
                       headers=modeller).get_json()["state"] == "approved"
    published = client.post(f"/api/drafts/{draft_id}/publish", json={"visibility": "netzwerk"}, headers=modeller)
    assert published.get_json()["state"] == "published"

    found = client.get("/api/search?q=Hundesteuer%20Simulationshausen&group=false&k=20", headers=outsider).get_json()
    assert draft_id in [r["id"] for r in found["results"]]
    assert client.get(f"/api/processes/{draft_id}", headers=outsider).status_code == 200
