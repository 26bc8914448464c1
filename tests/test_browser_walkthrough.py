"""What a usability walkthrough found, in a real browser (Chromium via Playwright), at 1280 px and 390 px.

- The interview: the assistant offers a template with a long list of steps and three cards, two of them
  of processes without steps. Only the usable card is shown, as one compact line with a "Details"
  toggle, and the assistant's question stays in view, after the reply and after a reload; its button
  still takes the template.
- The draft page: handing in is a status change, listed without a version number.

No demo corpus: the interviewer's template search is replaced by a fixed one over three stored
profiles, so this runs in seconds. Screenshots only when ``SCREENSHOT_DIR`` is set.
"""

from __future__ import annotations

import re

import pytest

from browser_support import (PASSWORD, QUESTION_IN_VIEW, BrowserSession, browser, expect,  # noqa: F401
                             make_app, screenshot_dir, send, served)

from app import interviews  # noqa: E402
from app.dialogue.engine import Template  # noqa: E402
from app.domain import ProcessProfile, SearchResult  # noqa: E402
from app.storage.models import ProfileRow  # noqa: E402
from app.storage.profiles import ensure_municipality, save_profile, to_domain  # noqa: E402
from app.storage.users import create_user  # noqa: E402

pytestmark = pytest.mark.slow

OPENING = ("Hallo, ich bin im Steueramt und kümmere mich um die Hundesteuer. Ich möchte den Ablauf beschreiben, "
           "wenn jemand einen Hund anmeldet.")
QUESTION = "Passt das bei Ihnen?"
KINDS = ["receive", "check_formal", "search", "enter_data", "calculate", "print", "sign_off", "send", "archive",
         "enter_data", "payment", "archive"]
TEMPLATE_STEPS = [{"n": i + 1, "label": f"Arbeitsschritt {i + 1} der Hundesteuer-Anmeldung bearbeiten", "kind": kind}
                  for i, kind in enumerate(KINDS)]
SNIPPET = ("Die Anmeldung eines Hundes zur Hundesteuer geht schriftlich oder online ein; das Steueramt prüft die "
           "Angaben, setzt die Steuer fest und versendet Bescheid und Hundemarke. ") * 3
CARDS = [("Hund zur Hundesteuer anmelden", TEMPLATE_STEPS, 0.91),
         ("Hundesteuer ummelden", [], 0.84),
         ("Hundesteuer abmelden", [], 0.77)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Clerk clara and modeller moritz in Simulationshausen; three published profiles of Beispielstadt."""
    app = make_app(tmp_path_factory.mktemp("walkthrough") / "data")
    with app.extensions["prozesslotse.db"].session() as session:
        home = ensure_municipality(session, "Simulationshausen", "Thüringen")
        other = ensure_municipality(session, "Beispielstadt", "Sachsen")
        create_user(session, "clara", PASSWORD, "clerk", home)
        create_user(session, "moritz", PASSWORD, "modeller", home)
        ids = []
        for title, steps, _score in CARDS:
            profile = ProcessProfile.model_validate({"title": title, "state": "published", "visibility": "netzwerk",
                                                     "steps": steps})
            ids.append(save_profile(session, profile, municipality=other).row.id)

    def fixed_search(session, user):
        def run(query: str) -> list[Template]:
            rows = {r.id: r for r in session.query(ProfileRow).filter(ProfileRow.id.in_(ids))}
            return [Template(result=SearchResult(id=i, title=title, municipality="Beispielstadt", land="Sachsen",
                                                 score=score, snippet=SNIPPET),
                             profile=to_domain(rows[i])) for i, (title, _steps, score) in zip(ids, CARDS)]
        return run

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(interviews, "template_search", fixed_search)
        with served(app) as base:
            yield base


class Clerk(BrowserSession):
    shot_prefix = "walkthrough"

    def question_in_view(self) -> str:
        return self.page.evaluate(QUESTION_IN_VIEW, QUESTION)


def _check_offer(clerk: Clerk, width: int) -> None:
    page = clerk.page
    offer = page.locator("#messages .msg-assistant").last
    expect(offer.locator(".msg-text")).to_contain_text(QUESTION)
    cards = offer.locator(".suggestion")
    expect(cards).to_have_count(1)  # the two processes without steps cannot serve as a template
    expect(offer).not_to_contain_text("Hundesteuer ummelden")
    expect(offer).not_to_contain_text("Ohne Arbeitsschritte")
    card = cards.first
    expect(card.locator(".card-steps")).to_have_text("12 Arbeitsschritte")
    button = card.get_by_role("button", name="Als Vorlage nehmen: „Hund zur Hundesteuer anmelden“ aus Beispielstadt")
    expect(button).to_be_visible()
    expect(card.locator(".snippet")).to_be_hidden()  # behind "Details"
    box = card.bounding_box()
    # One compact line (on a phone: title, town, then button and "Details"), not a card that fills the chat.
    assert box and box["height"] < (100 if width > 760 else 150), box
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert clerk.question_in_view() == "visible"
    if width <= 700:
        expect(page.locator("#current-question")).to_be_hidden()  # in view: not repeated above the box


@pytest.mark.parametrize("width", [1280, 390])
def test_the_question_stays_in_view_above_the_one_usable_card(site, browser, width):
    clerk = Clerk(browser, site, width, 900 if width > 500 else 844)
    page = clerk.page
    clerk.sign_in("clara")
    clerk.nav("Neuen Prozess erfassen")
    page.get_by_role("button", name="Interview beginnen").click()
    send(page, OPENING)
    _check_offer(clerk, width)
    card = page.locator("#messages .msg-assistant").last.locator(".suggestion").first
    card.get_by_text("Details").click()
    expect(card.locator(".snippet")).to_be_visible()
    clerk.shot("01-angebot")

    page.reload()  # the page's own rendering of the same message
    _check_offer(clerk, width)

    page.get_by_role("button", name=re.compile("^Als Vorlage nehmen")).click()
    expect(page.locator("#messages .msg-clerk .msg-text").last).to_have_text(
        "Ich nehme die Vorlage „Hund zur Hundesteuer anmelden“ aus Beispielstadt.")
    expect(page.locator("#messages .msg-assistant")).to_have_count(3)
    expect(page.locator("#messages .msg-assistant").last).to_contain_text("übernommen")
    expect(page.get_by_role("button", name=re.compile("^Als Vorlage nehmen"))).to_have_count(0)
    if width <= 700:
        page.get_by_role("button", name=re.compile("^Entwurf")).click()
    expect(page.locator("#draft .draft-steps > li")).to_have_count(len(TEMPLATE_STEPS))
    clerk.shot("02-uebernommen")
    clerk.close()


def test_handing_in_is_listed_as_a_status_change_not_a_version(site, browser):
    clerk = Clerk(browser, site)
    page = clerk.page
    clerk.sign_in("clara")
    clerk.nav("Neuen Prozess erfassen")
    page.get_by_role("button", name="Interview beginnen").click()
    send(page, OPENING)
    page.get_by_role("button", name=re.compile("^Als Vorlage nehmen")).click()
    expect(page.locator("#messages .msg-assistant")).to_have_count(3)
    page.get_by_role("button", name="Fertig – zur Prüfung geben").click()
    expect(page.locator("#finished")).to_contain_text("Zur Prüfung gegeben")
    page.locator("#finished").get_by_role("link", name="Entwurf ansehen").click()
    expect(page.locator("#draft-version")).to_have_text("Version 1")
    expect(page.locator("#versions-count")).to_have_text("(1)")
    rows = page.locator("#versions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_class("status-event")
    expect(rows.first).to_contain_text("Status: in Prüfung")
    expect(rows.first.locator("th")).to_contain_text("Statuswechsel, keine neue Version")
    expect(rows.nth(1).locator("th")).to_have_text("1")
    expect(page.get_by_label("Von Version")).to_be_disabled()  # one version: nothing to compare
    clerk.shot("03-versionen")
    clerk.close()
