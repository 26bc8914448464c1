"""End to end in a real browser (Chromium via Playwright) against a real HTTP server.

A clerk of Simulationshausen captures the dog-tax process in the chat, takes
over the template of another municipality and hands the draft in; a modeller
of the same municipality edits a step, approves and publishes it to the
network; a clerk of another municipality finds it and opens its diagram.
Screenshots of every page go to ``tests/artifacts/`` (git-ignored).

Skipped when ``/usr/bin/chromium`` or the ``playwright`` package is missing
(``apt-get install chromium``, ``pip install playwright``; no ``playwright
install`` needed).
"""

from __future__ import annotations

import re

import pytest

from browser_support import (ARTIFACTS, REPLY_TIMEOUT, BrowserSession, browser, corpus_site,  # noqa: F401
                             expect, send)

OPENING = ("Hallo, ich bin im Steueramt und kümmere mich um die Hundesteuer. Ich möchte den Ablauf beschreiben, "
           "wenn jemand einen Hund anmeldet.")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_server(corpus_site):
    """The app with the demo corpus and search index (see browser_support.corpus_site)."""
    return corpus_site


class Session(BrowserSession):
    """One signed-in browser context with error collection and screenshots to tests/artifacts/."""

    def __init__(self, browser, base: str, username: str, width: int = 1280, height: int = 900) -> None:
        super().__init__(browser, base, width, height)
        self.sign_in(username)

    def shot(self, name: str, page=None) -> None:
        """Save a screenshot, and check on the way that every control has a name."""
        page = page or self.page
        self.assert_named_controls(page)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{self.width}.png"), full_page=True)



def test_capture_review_publish_and_find(live_server, browser):
    # -- the clerk captures the process --------------------------------------------------------
    clerk = Session(browser, live_server, "clara")
    page = clerk.page
    assert page.locator("html").get_attribute("lang") == "de"
    clerk.shot("01-start-sachbearbeitung")
    clerk.nav("Neuen Prozess erfassen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuen Prozess erfassen")
    clerk.shot("02-erfassen")
    page.get_by_role("button", name="Interview beginnen").click()
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator(".msg-assistant")).to_have_count(1)

    box = page.get_by_label("Ihre Nachricht")
    box.type("erste Zeile")
    box.press("Shift+Enter")
    box.type("zweite Zeile")
    assert box.input_value() == "erste Zeile\nzweite Zeile", "Umschalt+Enter setzt eine neue Zeile statt zu senden"
    box.fill("")

    send(page, OPENING)
    offer = log.locator(".msg-assistant").last
    expect(offer).to_contain_text("Passt das bei Ihnen?")
    cards = offer.locator(".suggestion")
    expect(cards).not_to_have_count(0)
    offered = cards.first.locator(".suggestion-title").inner_text()
    expect(offer.locator(".msg-text")).to_contain_text(f"„{offered}“")  # the offered template is the first card
    adopt = cards.first.get_by_role("button", name=re.compile("^Als Vorlage nehmen"))
    expect(adopt).to_be_visible()
    clerk.shot("03-chat-vorlage")
    adopt.click()
    town = cards.first.locator(".meta").inner_text().split(" · ")[0]
    expect(log.locator(".msg-clerk .msg-text").last).to_have_text(f"Ich nehme die Vorlage „{offered}“ aus {town}.")
    expect(log.locator(".msg-assistant")).to_have_count(3, timeout=REPLY_TIMEOUT)
    expect(log.locator(".msg-assistant").last).to_contain_text("übernommen")
    steps = page.locator("#draft .draft-steps li")
    assert steps.count() >= 5
    expect(steps.first).to_contain_text("Dokument/Information entgegennehmen")  # German building-block label
    progress_before = int(page.locator("#progress").get_attribute("value") or 0)

    send(page, "Hundesteuer anmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    send(page, "Die Anmeldung eines Hundes durch den Halter, online oder am Schalter.")
    send(page, "Die Stadtkasse.")
    expect(page.locator("#draft")).to_contain_text("Stadtkasse")
    assert int(page.locator("#progress").get_attribute("value") or 0) > progress_before
    expect(page.locator("#open-points")).to_contain_text("Noch offen")
    clerk.shot("04-chat-entwurf")

    page.get_by_role("button", name="Fertig – zur Prüfung geben").click()
    confirmation = page.locator("#finished")
    expect(confirmation).to_contain_text("Zur Prüfung gegeben")
    expect(page.get_by_label("Ihre Nachricht")).to_have_count(0)
    clerk.shot("05-chat-abgeschlossen")
    confirmation.get_by_role("link", name="Entwurf ansehen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    expect(page.locator(".lead-meta .badge")).to_have_text("In Prüfung")
    clerk.shot("06-entwurf-sachbearbeitung")
    clerk.nav("Meine Interviews und Entwürfe")
    draft_row = page.get_by_role("row", name=re.compile("Hundesteuer anmelden")).first
    expect(draft_row).to_contain_text("In Prüfung")
    clerk.shot("07-meine")
    clerk.logout()
    clerk.close()

    # -- the modeller edits, approves and publishes -------------------------------------------
    modeller = Session(browser, live_server, "moritz")
    page = modeller.page
    modeller.nav("Prüfwarteschlange")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prüfwarteschlange")
    modeller.shot("08-pruefwarteschlange")
    page.get_by_role("link", name="Hundesteuer anmelden").click()
    expect(page.locator("#step-editor table")).to_be_visible()
    count = page.locator("#step-editor tbody tr").count()
    modeller.shot("09-entwurf-modellierung")

    label = page.get_by_label("Bezeichnung Schritt 1", exact=True)
    label.fill("Anmeldung des Hundes entgegennehmen")
    page.get_by_label("Zuständig Schritt 1", exact=True).fill("Bürgerbüro")
    page.get_by_label("Baustein Schritt 2", exact=True).select_option(label="Formell prüfen")
    page.get_by_label("Minuten Schritt 1", exact=True).fill("3")
    expect(page.locator("#steps-dirty")).to_be_visible()
    # keyboard: move step 2 down and back up again
    down = page.get_by_role("button", name="Schritt 2 nach unten verschieben")
    down.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Schritt 3 nach unten verschieben")).to_be_focused()
    page.get_by_role("button", name="Schritt 3 nach oben verschieben").click()
    expect(page.locator("#step-editor tbody tr")).to_have_count(count)
    page.get_by_role("button", name="Schritte speichern").click()
    expect(page.locator("#page-status")).to_contain_text("Schritte gespeichert")
    # Handing in was a status change, not a version: the interview's draft is 1, this save 2.
    expect(page.locator("#draft-version")).to_have_text("Version 2")
    expect(page.locator("#versions-count")).to_have_text("(2)")
    expect(page.locator("#versions tbody tr.status-event")).to_have_count(1)
    expect(page.locator("#versions tbody tr.status-event")).to_contain_text("Status: in Prüfung")
    first_box = page.locator('#analysis svg g.step[data-step="1"] title')
    expect(first_box).to_contain_text("Anmeldung des Hundes entgegennehmen")
    expect(page.locator("#analysis svg .lane").filter(has_text="Bürgerbüro")).to_have_count(1)
    modeller.shot("10-entwurf-gespeichert")

    page.get_by_role("button", name="Unterschiede anzeigen").click()
    expect(page.locator("#diff")).to_contain_text("Geändert: Schritt 1")
    expect(page.locator("#diff")).to_contain_text("Anmeldung des Hundes entgegennehmen")

    page.get_by_label("Bezieht sich auf").select_option("1")
    page.get_by_label("Kommentar", exact=True).fill("Bitte prüfen: Wer nimmt die Anmeldung an?")
    page.get_by_role("button", name="Kommentar hinzufügen").click()
    comment = page.locator("#comments .comment").first
    expect(comment).to_contain_text("zu Schritt 1")
    comment.get_by_role("button", name=re.compile("Als erledigt markieren")).click()
    expect(page.locator("#comments .comment.resolved")).to_have_count(1)
    modeller.shot("11-entwurf-kommentar-diff")

    compare = page.locator("#similar-h + p + ul .card").first.get_by_role("link", name=re.compile("Vergleichen"))
    compare.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vergleich zweier Abläufe")
    expect(page.locator(".compare-steps tbody tr")).not_to_have_count(0)
    modeller.shot("12-vergleich")
    page.get_by_role("link", name="Zurück").click()

    # API errors arrive as German problem details
    page.get_by_role("button", name="Änderungen erbitten").click()
    expect(page.locator("#page-error")).to_have_text("Bitte beschreiben Sie im Kommentar, was geändert werden soll.")
    expect(page.get_by_label("Kommentar zur Entscheidung")).to_be_focused()
    page.get_by_label("LeiKa-Schlüssel").fill("123")
    page.get_by_role("button", name="Steckbrief speichern").click()
    expect(page.locator("#page-error")).to_contain_text("Die Änderung ist nicht gültig. LeiKa-Schlüssel:")
    expect(page.get_by_label("LeiKa-Schlüssel")).to_be_focused()
    modeller.forgive("status of 422")
    page.get_by_label("LeiKa-Schlüssel").fill("")
    page.get_by_label("Ergebnis").fill("Steuerbescheid mit Hundesteuermarke")
    page.get_by_role("button", name="Steckbrief speichern").click()
    expect(page.locator("#page-status")).to_contain_text("Steckbrief gespeichert")
    expect(page.locator("#page-error")).to_be_hidden()

    page.get_by_role("button", name="Freigeben").click()
    page.get_by_role("dialog").get_by_role("button", name="Freigeben").click()  # asks first (issue 18)
    expect(page.locator("p.flash.success")).to_contain_text("freigegeben")
    expect(page.locator(".lead-meta .badge")).to_have_text("Freigegeben")
    page.get_by_label("Im Netzwerk (alle Kommunen)").check()
    page.get_by_role("button", name="Veröffentlichen").click()
    page.get_by_role("dialog").get_by_role("button", name="Veröffentlichen").click()
    expect(page.locator(".lead-meta .badge")).to_have_text("Veröffentlicht")
    expect(page.locator(".lead-meta")).to_contain_text("im Netzwerk")
    modeller.shot("13-veroeffentlicht")
    modeller.close()

    # -- a clerk of another municipality finds it and opens the diagram --------------------
    other = Session(browser, live_server, "bert")
    page = other.page
    other.nav("Prozesse suchen")
    page.get_by_label("Suchbegriff").fill("Hundesteuer anmelden")
    page.get_by_label("Kommune").select_option("Simulationshausen")
    page.get_by_role("button", name="Suchen").click()
    result = page.locator(".results .result").filter(has_text="Simulationshausen").first
    expect(result).to_contain_text("Hundesteuer anmelden")
    other.shot("14-suche")
    result.get_by_role("link", name="Hundesteuer anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    diagram = page.locator("#diagramm svg")
    expect(diagram).to_be_visible()
    expect(diagram.locator("g.step")).to_have_count(count)
    expect(page.get_by_role("link", name=re.compile("JSON"))).to_be_visible()
    other.shot("15-prozess")
    with other.context.expect_page() as opened:
        page.get_by_role("link", name="Diagramm in voller Größe öffnen (SVG)").click()
    svg_page = opened.value
    svg_page.wait_for_load_state()
    assert svg_page.locator("svg").count() == 1
    assert "Anmeldung des Hundes entgegennehmen" in svg_page.content()
    svg_page.screenshot(path=str(ARTIFACTS / "16-diagramm-1280.png"))
    svg_page.close()
    other.no_horizontal_overflow()
    other.close()


def test_small_screen(live_server, browser):
    """390 px wide: chat, draft review, search and process page work without sideways scrolling."""
    clerk = Session(browser, live_server, "clara", width=390, height=844)
    page = clerk.page
    clerk.no_horizontal_overflow()
    links = page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link")
    for i in range(links.count()):  # every entry of the main navigation is in view, none scrolled away
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (links.nth(i).inner_text(), box)
    clerk.shot("20-start")
    clerk.nav("Neuen Prozess erfassen")
    page.get_by_role("button", name="Interview beginnen").click()
    send(page, OPENING)
    adopt = page.locator(".suggestion").first.get_by_role("button", name=re.compile("^Als Vorlage nehmen"))
    expect(adopt).to_be_visible()
    clerk.no_horizontal_overflow()
    clerk.shot("21-chat")
    adopt.click()
    expect(page.locator("#messages .msg-assistant")).to_have_count(3, timeout=REPLY_TIMEOUT)
    send(page, "Hundesteuer ummelden")
    page.get_by_role("button", name=re.compile("^Entwurf")).click()  # phones: chat and draft are two views
    page.get_by_role("button", name="Fertig – zur Prüfung geben").click()
    expect(page.locator("#finished")).to_contain_text("Zur Prüfung gegeben")
    # a draft in review is no longer edited in the chat's panel
    expect(page.locator("#draft .step-tools")).to_have_count(0)
    expect(page.locator("#add-step")).to_have_count(0)
    clerk.no_horizontal_overflow()
    clerk.shot("22-chat-abgeschlossen")
    clerk.nav("Prozesse suchen")
    page.get_by_label("Suchbegriff").fill("Bauantrag bearbeiten")
    page.get_by_role("button", name="Suchen").click()
    result = page.locator(".results .result").filter(has_text="mit Ablaufmodell").first
    expect(result).to_be_visible()
    clerk.no_horizontal_overflow()
    clerk.shot("23-suche")
    result.get_by_role("link").first.click()
    expect(page.locator("#diagramm svg")).to_be_visible()
    clerk.no_horizontal_overflow()
    clerk.shot("24-prozess")
    clerk.close()

    modeller = Session(browser, live_server, "moritz", width=390, height=844)
    page = modeller.page
    modeller.nav("Prüfwarteschlange")
    page.get_by_role("link", name="Hundesteuer ummelden").click()
    expect(page.get_by_label("Bezeichnung Schritt 1", exact=True)).to_be_visible()  # stacked rows show labels
    modeller.no_horizontal_overflow()
    modeller.shot("25-entwurf")
    modeller.close()


def test_lost_answer_is_retried_and_answered_once(live_server, browser):
    """The first answer gets lost on the way back; the retry with the same client_id gets the stored reply."""
    clerk = Session(browser, live_server, "clara")
    page = clerk.page
    clerk.nav("Neuen Prozess erfassen")
    page.get_by_role("button", name="Interview beginnen").click()
    page.wait_for_url("**/interviews/*")  # the click only starts the navigation
    interview_id = page.url.rstrip("/").rsplit("/", 1)[1]
    seen: list[dict] = []

    def lose_first_answer(route):
        seen.append(route.request.post_data_json)
        if len(seen) == 1:
            route.fetch()  # the server stores and answers the message ...
            route.abort("connectionreset")  # ... but the browser never gets the answer
        else:
            route.continue_()

    page.route(f"**/api/interviews/{interview_id}/messages", lose_first_answer)
    send(page, "Ich bin im Ordnungsamt und stelle Fischereischeine aus.")
    assert len(seen) == 2 and seen[0]["client_id"] == seen[1]["client_id"]
    expect(page.locator("#messages .msg-clerk")).to_have_count(1)
    expect(page.locator("#chat-error")).to_be_hidden()
    stored = page.request.get(f"{live_server}/api/interviews/{interview_id}").json()
    assert [m["role"] for m in stored["messages"]] == ["assistant", "clerk", "assistant"]
    clerk.forgive("Failed to load resource")
    clerk.close()
