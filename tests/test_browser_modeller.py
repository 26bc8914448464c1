"""Issue 18 in a real browser (Debian's Chromium via Playwright), at desktop width and at 390 px.

A modeller of Simulationshausen edits the decisions of a draft (including a loop back and an
"Ende" branch) and sees the diagram change, is asked to confirm approval while a comment is
still open, polishes the approved profile, looks at the network preview, publishes after a
second confirmation, sees a changed model go back to review, and compares with another
town's process that names its steps differently.

Screenshots go to a folder under pytest's tmp dir and the final ones to /work/screens18/
(set ``SCREENS18_DIR`` to change or empty it to skip copying).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser_support import (OFFLINE, PASSWORD, BrowserSession, browser, expect, make_app,  # noqa: F401
                             screenshot_dir, served)

from app.domain import ProcessProfile
from app.storage.models import ReviewCommentRow
from app.storage.profiles import ensure_municipality, save_profile
from app.storage.users import create_user

FINAL_SCREENS = screenshot_dir()  # copies for reviewers, only when asked

pytestmark = pytest.mark.slow

STEPS = [
    {"label": "Antrag entgegennehmen", "kind": "receive", "actor": "Bürgerbüro", "minutes": 3},
    {"label": "Antrag auf Vollständigkeit prüfen", "kind": "check_formal", "actor": "Bürgerbüro", "minutes": 5},
    {"label": "Unterlagen nachfordern", "kind": "search", "actor": "Bürgerbüro", "minutes": 4},
    {"label": "Gebühr buchen", "kind": "payment", "actor": "Stadtkasse", "minutes": 2},
    {"label": "Erlaubnis per E-Mail versenden", "kind": "send", "actor": "Bürgerbüro", "minutes": 1},
]
OTHER_STEPS = [
    {"label": "Anmeldung annehmen", "kind": "receive", "actor": "Ordnungsamt"},
    {"label": "Vor-Ort-Termin durchführen", "kind": "appointment", "actor": "Ordnungsamt"},
    {"label": "Bescheid versenden", "kind": "send", "actor": "Ordnungsamt"},
]


def _profile(title: str, state: str, steps=STEPS, **extra) -> ProcessProfile:
    return ProcessProfile.model_validate({
        "title": title, "state": state, "visibility": extra.pop("visibility", "intern"),
        "customer": "greenpeace und so", "case_volume_per_year": 120,
        "steps": [dict(s, n=i + 1) for i, s in enumerate(steps)], **extra})


@pytest.fixture(scope="module")
def screens(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("screens18")
    yield folder
    if FINAL_SCREENS:
        target = FINAL_SCREENS
        target.mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy2(png, target / png.name)


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedding_cache_dir):
    """A served app with two municipalities' processes seeded directly (no interview needed)."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in OFFLINE:
            env.setenv(key, value)
        app = make_app(tmp_path_factory.mktemp("browser18") / "data", EMBEDDING_CACHE_DIR=str(embedding_cache_dir))
        db = app.extensions["prozesslotse.db"]
        ids: dict[str, int] = {}
        with db.session() as session:
            home = ensure_municipality(session, "Simulationshausen", "Thüringen")
            other = ensure_municipality(session, "Beispielstadt", "Sachsen")
            clerk = create_user(session, "clara", PASSWORD, "clerk", home)
            create_user(session, "moritz", PASSWORD, "modeller", home)
            decision = [{"after_step": 2, "question": "Vollständig?", "branches": [
                {"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}]}]
            for key, title, state in (("desktop", "Angelerlaubnis erteilen", "in_review"),
                                      ("phone", "Sondernutzung erlauben", "in_review"),
                                      ("approved", "Plakatierung genehmigen", "approved"),
                                      ("approved_phone", "Straßenfest genehmigen", "approved")):
                ids[key] = save_profile(session, _profile(title, state, decisions=decision), municipality=home,
                                        author_id=clerk.id).row.id
            ids["other"] = save_profile(session, _profile("Fischereischein ausstellen", "published", OTHER_STEPS,
                                                          visibility="netzwerk"), municipality=other).row.id
            for key in ("desktop", "phone"):
                session.add(ReviewCommentRow(profile_id=ids[key], author_id=clerk.id, step_n=4,
                                             text="Wer bucht die Gebühr – Stadtkasse oder Bürgerbüro?"))
        with served(app) as base:
            yield base, ids


class Modeller(BrowserSession):
    """A signed-in modeller's browser context that collects script errors and takes screenshots."""

    def __init__(self, browser, base: str, screens: Path, width: int, height: int) -> None:
        super().__init__(browser, base, width, height, timeout=30_000)
        self.screens = screens
        self.sign_in("moritz")

    def shot(self, name: str, full: bool = True) -> None:
        self.assert_named_controls()
        self.page.screenshot(path=str(self.screens / f"{name}-{self.width}.png"), full_page=full)


def _decisions_then_approve(m: Modeller, base: str, draft: int, tag: str) -> None:
    """Items 4 and 6: edit decisions (new one with a loop back and an end), diagram follows, confirm approval."""
    page = m.page
    page.goto(f"{base}/entwuerfe/{draft}")
    editor = page.locator("#decisions-editor")
    expect(editor.get_by_label("Frage (Entscheidung 1)")).to_have_value("Vollständig?")
    page.get_by_role("button", name="Entscheidung hinzufügen").click()
    question = page.get_by_label("Frage (Entscheidung 2)")
    expect(question).to_be_focused()
    page.get_by_role("button", name="Entscheidungen speichern").click()
    expect(page.locator("#page-error")).to_have_text("Entscheidung 2: Bitte die Frage eingeben.")
    expect(question).to_be_focused()
    m.shot(f"{tag}-01-entscheidung-fehler", full=False)
    question.fill("Gebühr bezahlt?")
    page.get_by_label("Nach Schritt (Entscheidung 2)").select_option(label="Schritt 4: Gebühr buchen")
    page.get_by_label("Weiter mit Zweig 1 der Entscheidung 2").select_option(
        label="Schritt 5: Erlaubnis per E-Mail versenden")
    page.get_by_label("Bedingung Zweig 2 der Entscheidung 2").fill("nein, Mahnung")
    loop = page.get_by_label("Weiter mit Zweig 2 der Entscheidung 2")
    loop.select_option(label="Schritt 3: Unterlagen nachfordern (zurück)")
    page.get_by_role("button", name="Zweig hinzufügen (Entscheidung 2)").click()
    page.get_by_label("Bedingung Zweig 3 der Entscheidung 2").fill("Antrag zurückgezogen")
    expect(page.get_by_label("Weiter mit Zweig 3 der Entscheidung 2")).to_have_value("")  # "Ende des Prozesses"
    page.get_by_role("button", name="Entscheidungen speichern").click()
    expect(page.locator("#page-status")).to_contain_text("Entscheidungen gespeichert")
    diagram = page.locator("#analysis svg")
    expect(diagram.locator("g.gateway title", has_text="Entscheidung: Gebühr bezahlt?")).to_have_count(1)
    expect(diagram).to_contain_text("Antrag zurückgezogen")
    saved = page.request.get(f"{base}/api/drafts/{draft}").json()["decisions"]
    assert saved[1] == {"after_step": 4, "question": "Gebühr bezahlt?", "branches": [
        {"condition": "ja", "goto_step": 5}, {"condition": "nein, Mahnung", "goto_step": 3},
        {"condition": "Antrag zurückgezogen", "goto_step": None}]}
    m.shot(f"{tag}-02-entscheidungen-gespeichert")

    page.get_by_role("button", name="Entscheidung 1 löschen").click()
    page.get_by_role("button", name="Entscheidungen speichern").click()
    expect(page.locator("#page-status")).to_contain_text("Entscheidungen gespeichert")
    expect(diagram.locator("g.gateway title", has_text="Vollständig?")).to_have_count(0)
    expect(page.get_by_label("Frage (Entscheidung 1)")).to_have_value("Gebühr bezahlt?")

    # approval asks first and counts the open comment
    page.get_by_role("button", name="Freigeben", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Es gibt noch 1 offenen Kommentar.")
    expect(dialog).to_contain_text("Wer bucht die Gebühr")
    m.shot(f"{tag}-03-freigabe-bestaetigen", full=False)
    dialog.get_by_role("button", name="Abbrechen").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".lead-meta .badge")).to_have_text("In Prüfung")
    page.get_by_role("button", name="Freigeben", exact=True).click()
    dialog.get_by_role("button", name="Trotzdem freigeben").click()
    expect(page.locator(".lead-meta .badge")).to_have_text("Freigegeben")


def _polish_preview_publish(m: Modeller, base: str, draft: int, tag: str) -> None:
    """Items 5 and 6: edit the approved profile (stays approved), preview, publish with confirmation."""
    page = m.page
    page.get_by_label("Kunde").fill("Anglerinnen und Angler, Umweltverbände")
    page.get_by_role("button", name="Steckbrief speichern").click()
    expect(page.locator("#page-status")).to_contain_text("Steckbrief gespeichert")
    expect(page.locator(".lead-meta .badge")).to_have_text("Freigegeben")
    page.get_by_role("link", name="Vorschau: So sieht das Netzwerk den Prozess").click()
    expect(page.locator(".preview-banner")).to_contain_text("So sehen alle Kommunen im Netzwerk diesen Prozess")
    expect(page.locator("#steckbrief")).to_contain_text("Anglerinnen und Angler, Umweltverbände")
    expect(page.locator(".lead-meta .badge")).to_have_text("Veröffentlicht")
    expect(page.locator("#diagramm svg")).to_be_visible()
    m.no_horizontal_overflow()
    m.shot(f"{tag}-04-vorschau")
    page.get_by_role("link", name="Zurück zum Entwurf").click()
    page.get_by_label("Im Netzwerk (alle Kommunen)").check()
    page.get_by_role("button", name="Veröffentlichen", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("im Netzwerk – alle Kommunen finden ihn in der Suche")
    expect(dialog).to_contain_text("1 offenen Kommentar")
    expect(dialog.get_by_role("link", name=re.compile("Vorschau ansehen"))).to_have_attribute(
        "href", f"/entwuerfe/{draft}/vorschau")
    m.shot(f"{tag}-05-veroeffentlichen-bestaetigen", full=False)
    dialog.get_by_role("button", name="Trotzdem veröffentlichen").click()
    expect(page.locator(".lead-meta .badge")).to_have_text("Veröffentlicht")
    expect(page.locator(".lead-meta")).to_contain_text("im Netzwerk")


def _changed_steps_need_approval(m: Modeller, base: str, draft: int, tag: str) -> None:
    page = m.page
    page.goto(f"{base}/entwuerfe/{draft}")
    expect(page.locator("#approved-edit-hint")).to_be_visible()
    page.get_by_label("Bezeichnung Schritt 5", exact=True).fill("Erlaubnis versenden")
    page.get_by_role("button", name="Schritte speichern").click()
    expect(page.locator("p.flash.success")).to_contain_text("muss erneut freigegeben werden")
    expect(page.locator(".lead-meta .badge")).to_have_text("In Prüfung")
    m.shot(f"{tag}-06-erneut-pruefen", full=False)


def _compare(m: Modeller, base: str, left: int, right: int, tag: str) -> None:
    page = m.page
    page.goto(f"{base}/prozesse/{left}/vergleich/{right}")
    rows = page.locator(".compare-steps tbody tr")
    send = rows.filter(has_text="Bescheid versenden")
    expect(send).to_contain_text("Erlaubnis")
    expect(send.locator(".cmp-reason")).to_contain_text("Gleicher Baustein „Dokument/Information versenden“")
    expect(send.locator(".cmp-reason")).to_contain_text("„Erlaubnis“ ≈ „Bescheid“")
    expect(rows.filter(has_text="Anmeldung annehmen").locator(".cmp-reason")).to_contain_text("„Antrag“ ≈ „Anmeldung“")
    expect(page.locator("#compare-summary")).to_contain_text("2 Schritte haben ein Gegenstück")
    m.no_horizontal_overflow()
    m.shot(f"{tag}-07-vergleich")


def test_modeller_desktop(site, browser, screens):
    base, ids = site
    m = Modeller(browser, base, screens, 1280, 900)
    _decisions_then_approve(m, base, ids["desktop"], "d")
    _polish_preview_publish(m, base, ids["desktop"], "d")
    _changed_steps_need_approval(m, base, ids["approved"], "d")
    _compare(m, base, ids["desktop"], ids["other"], "d")
    m.page.goto(f"{base}/pruefung")
    expect(m.page.get_by_role("heading", name=re.compile(r"^In Prüfung \(\d+\)$"))).to_be_visible()
    m.shot("d-08-warteschlange")
    m.close()


def test_modeller_phone(site, browser, screens):
    base, ids = site
    m = Modeller(browser, base, screens, 390, 844)
    _decisions_then_approve(m, base, ids["phone"], "m")
    m.no_horizontal_overflow()
    _polish_preview_publish(m, base, ids["phone"], "m")
    m.no_horizontal_overflow()
    _changed_steps_need_approval(m, base, ids["approved_phone"], "m")
    _compare(m, base, ids["phone"], ids["other"], "m")
    m.close()
