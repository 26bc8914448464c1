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

import os
import re
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"Browser-Tests brauchen Chromium unter {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Browser-Tests brauchen das Paket playwright")

from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.storage.migrate import upgrade  # noqa: E402
from app.storage.profiles import ensure_municipality  # noqa: E402
from app.storage.users import create_user  # noqa: E402

expect = sync_api.expect
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "lotsen-pass-2468"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
OPENING = ("Hallo, ich bin im Steueramt und kümmere mich um die Hundesteuer. Ich möchte den Ablauf beschreiben, "
           "wenn jemand einen Hund anmeldet.")
REPLY_TIMEOUT = 90_000  # the first answer loads the search models

pytestmark = pytest.mark.slow

# Form controls without a label (or aria-label) and buttons or links without text.
UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href]')).filter(el => {
  if (el.closest('[hidden]')) return false;
  const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (el.matches('button, a')) return !(named || el.textContent.trim());
  return !(named || (el.labels && el.labels.length));
}).map(el => el.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, embedding_cache_dir):
    """The app with the demo corpus and search index, served on a free loopback port."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False")):
            env.setenv(key, value)
        data = tmp_path_factory.mktemp("browser") / "data"
        data.mkdir()
        url = f"sqlite:///{data / 'prozesslotse.db'}"
        upgrade(url)
        app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "SECRET_KEY": "browser-test",
                          "EMBEDDING_CACHE_DIR": str(embedding_cache_dir)})
        result = app.test_cli_runner().invoke(args=["corpus", "load"])
        assert result.exit_code == 0, result.output
        db = app.extensions["prozesslotse.db"]
        with db.session() as session:
            home = ensure_municipality(session, "Simulationshausen", "Thüringen")
            other = ensure_municipality(session, "Beispielstadt", "Sachsen")
            create_user(session, "clara", PASSWORD, "clerk", home)
            create_user(session, "moritz", PASSWORD, "modeller", home)
            create_user(session, "bert", PASSWORD, "clerk", other)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)
            db.dispose()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Session:
    """One signed-in browser context with error collection and screenshots."""

    def __init__(self, browser, base: str, username: str, width: int = 1280, height: int = 900) -> None:
        self.base = base
        self.width = width
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
        self.context.set_default_timeout(20_000)
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self._watch(self.page)
        self.page.goto(base + "/anmelden")
        self.page.get_by_label("Benutzername").fill(username)
        self.page.get_by_label("Passwort").fill(PASSWORD)
        self.page.get_by_role("button", name="Anmelden").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Willkommen")

    def _watch(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"JavaScript-Fehler: {exc}"))
        page.on("console", lambda msg: self.errors.append(f"Konsole: {msg.text}") if msg.type == "error" else None)

    def shot(self, name: str, page=None) -> None:
        """Save a screenshot, and check on the way that every control has a name."""
        page = page or self.page
        unnamed = page.evaluate(UNNAMED_CONTROLS)
        assert not unnamed, f"Bedienelemente ohne Beschriftung auf {page.url}: {unnamed}"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{self.width}.png"), full_page=True)

    def nav(self, label: str) -> None:
        self.page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=label).click()

    def no_horizontal_overflow(self) -> None:
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"Seite ist {overflow}px breiter als das Fenster ({self.page.url})"

    def logout(self) -> None:
        self.page.get_by_role("button", name="Abmelden").click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Anmelden")

    def forgive(self, fragment: str) -> None:
        """Drop expected console errors (e.g. the browser logging an intended 422 answer)."""
        self.errors = [e for e in self.errors if fragment not in e]

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors


def _send(page, text: str) -> None:
    """Type into the chat and press Enter; wait for the assistant's answer."""
    answers = page.locator("#messages .msg-assistant")
    before = answers.count()
    box = page.get_by_label("Ihre Nachricht")
    box.fill(text)
    box.press("Enter")
    expect(answers).to_have_count(before + 1, timeout=REPLY_TIMEOUT)
    expect(page.locator("#typing .typing-inner")).to_be_hidden()


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

    _send(page, OPENING)
    offer = log.locator(".msg-assistant").last
    expect(offer).to_contain_text("Passt das bei Ihnen?")
    adopt = offer.get_by_role("button", name=re.compile("Vorlage übernehmen"))
    expect(adopt).to_have_count(1)
    expect(offer.locator(".suggestion")).not_to_have_count(0)
    clerk.shot("03-chat-vorlage")
    adopt.click()
    expect(log.locator(".msg-clerk").last).to_have_text(re.compile("Ja, das passt so."))
    expect(log.locator(".msg-assistant")).to_have_count(3, timeout=REPLY_TIMEOUT)
    expect(log.locator(".msg-assistant").last).to_contain_text("übernommen")
    steps = page.locator("#draft .draft-steps li")
    assert steps.count() >= 5
    expect(steps.first).to_contain_text("Dokument/Information entgegennehmen")  # German building-block label
    progress_before = int(page.locator("#progress").get_attribute("value") or 0)

    _send(page, "Hundesteuer anmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    _send(page, "Die Anmeldung eines Hundes durch den Halter, online oder am Schalter.")
    _send(page, "Die Stadtkasse.")
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
    expect(page.locator("#draft-version")).not_to_have_text("Version 2")
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
    clerk.shot("20-start")
    clerk.nav("Neuen Prozess erfassen")
    page.get_by_role("button", name="Interview beginnen").click()
    _send(page, OPENING)
    adopt = page.get_by_role("button", name=re.compile("Vorlage übernehmen"))
    expect(adopt).to_be_visible()
    clerk.no_horizontal_overflow()
    clerk.shot("21-chat")
    adopt.click()
    expect(page.locator("#messages .msg-assistant")).to_have_count(3, timeout=REPLY_TIMEOUT)
    _send(page, "Hundesteuer ummelden")
    page.get_by_role("button", name=re.compile("^Entwurf")).click()  # phones: chat and draft are two views
    page.get_by_role("button", name="Fertig – zur Prüfung geben").click()
    expect(page.locator("#finished")).to_contain_text("Zur Prüfung gegeben")
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
    _send(page, "Ich bin im Ordnungsamt und stelle Fischereischeine aus.")
    assert len(seen) == 2 and seen[0]["client_id"] == seen[1]["client_id"]
    expect(page.locator("#messages .msg-clerk")).to_have_count(1)
    expect(page.locator("#chat-error")).to_be_hidden()
    stored = page.request.get(f"{live_server}/api/interviews/{interview_id}").json()
    assert [m["role"] for m in stored["messages"]] == ["assistant", "clerk", "assistant"]
    clerk.forgive("Failed to load resource")
    clerk.close()
