"""The dialogue in a real browser (Chromium via Playwright) against the live server with the demo corpus.

A clerk of Simulationshausen tells the dog-tax registration in everyday German and is shown what
another town does in addition; takes a template by its card button; changes the name after the
summary and undoes it in chat; and runs into the message limit without losing the typed text.
Everything is checked on what the clerk sees: the messages, the draft panel, the progress and the
character counter.

Screenshots only when ``SCREENSHOT_DIR`` is set (files ``dialog-*.png`` there).
"""

from __future__ import annotations

import re

import pytest

from browser_support import (QUESTION_IN_VIEW, REPLY_TIMEOUT, BrowserSession, browser,  # noqa: F401
                             corpus_site, expect, screenshot_dir, send)

pytestmark = pytest.mark.slow

# Everyday German, five steps told in passing: enough for the comparison instead of the offer.
TOLD_STEPS = ("Ich mache im Steueramt die Hundesteuer. Wenn jemand seinen Hund anmeldet, kommt das Formular meistens "
              "per Post. Ich schau dann, ob alles ausgefüllt ist, und trag den Hund bei uns im Steuerprogramm ein. "
              "Danach schreib ich den Bescheid und schick ihn zusammen mit der Hundemarke raus. Am Ende kommt die "
              "Anmeldung in die Akte.")
# Nothing told about the steps: the assistant offers a template.
NO_STEPS = ("Hallo, ich bin im Steueramt und kümmere mich um die Hundesteuer. Ich möchte den Ablauf beschreiben, "
            "wenn jemand einen Hund anmeldet.")
NOTHING = "Dazu kann ich nichts sagen."
SUMMARY_QUESTION = "Soll ich den Entwurf so zur Prüfung vorbereiten?"
ADOPT = re.compile(r"^Als Vorlage nehmen: „.+“ aus \S")


class Clerk(BrowserSession):
    shot_prefix = "dialog"

    def __init__(self, browser, base: str, width: int = 1280) -> None:
        super().__init__(browser, base, width, 900 if width > 500 else 844, timeout=20_000)
        self.sign_in("clara")

    def start_interview(self) -> None:
        self.nav("Neuen Prozess erfassen")
        self.page.get_by_role("button", name="Interview beginnen").click()
        expect(self.page.locator("#messages .msg-assistant")).to_have_count(1)

    def show_draft(self) -> None:
        if self.width <= 700:  # phones: chat and draft are two views
            self.page.get_by_role("button", name=re.compile("^Entwurf")).click()

    def show_chat(self) -> None:
        if self.width <= 700:
            self.page.get_by_role("button", name="Gespräch").click()

    def step_labels(self) -> list[str]:
        return self.page.locator("#draft .draft-steps .step-label").all_inner_texts()

    def last_reply(self):
        return self.page.locator("#messages .msg-assistant").last


def test_told_steps_are_compared_and_a_confirmed_one_inserted(corpus_site, browser):
    clerk = Clerk(browser, corpus_site)
    page = clerk.page
    clerk.start_interview()
    send(page, TOLD_STEPS)
    reply = clerk.last_reply()
    expect(reply.locator(".msg-text")).to_contain_text("Ihre Schritte habe ich so übernommen")
    expect(reply.locator(".msg-text")).to_contain_text("Dort kommt außerdem vor:")
    text = reply.locator(".msg-text").inner_text()
    extras = [line[2:].strip() for line in text.splitlines() if line.startswith("- ")]
    assert len(extras) >= 2, text
    # Text and cards agree: the town and title named in the text are those of the first card.
    first_card = reply.locator(".suggestion").first
    title = first_card.locator(".suggestion-title").inner_text()
    town = first_card.locator(".meta").inner_text().split(" · ")[0]
    assert f"In {town} ist ein ähnlicher Ablauf dokumentiert: „{title}“" in text
    own = clerk.step_labels()
    assert len(own) >= 4, own
    assert not set(extras) & set(own), "offered as additional, but already in the draft"
    expect(page.locator("#draft .draft-steps > li")).to_have_count(len(own))
    clerk.shot("01-vergleich")

    chosen = next((e for e in extras if "Jahressteuer" in e), extras[-1])
    send(page, f"ja, {chosen} machen wir auch")
    expect(clerk.last_reply()).to_contain_text(f"Übernommen aus {town}: „{chosen}“.")
    steps = page.locator("#draft .draft-steps > li")
    expect(steps).to_have_count(len(own) + 1)
    expect(steps.filter(has_text=chosen)).to_have_count(1)
    labels = clerk.step_labels()
    assert [label for label in labels if label != chosen] == own, labels  # the clerk's steps, unchanged, in order
    for other in extras:
        if other != chosen:
            expect(steps.filter(has_text=other)).to_have_count(0)
    clerk.shot("02-vergleich-uebernommen")
    clerk.close()


BUILDING = "Ich bearbeite im Bauamt die Bauanträge, die bei uns eingehen."


@pytest.mark.parametrize(("width", "opening", "card"), [(1280, BUILDING, 1), (390, NO_STEPS, 0)])
def test_a_template_is_taken_by_its_card_button(corpus_site, browser, width, opening, card):
    clerk = Clerk(browser, corpus_site, width)
    page = clerk.page
    clerk.start_interview()
    send(page, opening)
    offer = clerk.last_reply()
    expect(offer).to_contain_text("Passt das bei Ihnen?")
    cards = offer.locator(".suggestion")
    expect(offer).to_have_attribute("data-cards", "settled")  # every card is shown or left out
    expect(cards.first.get_by_role("button", name=ADOPT)).to_be_visible()
    shown = cards.count()
    assert 1 <= shown <= 3, shown
    # Only processes with steps are offered; every card says how many it has and has its button.
    expect(offer.locator(".card-steps")).to_have_count(shown)
    expect(offer).not_to_contain_text("Ohne Arbeitsschritte")
    expect(page.get_by_role("button", name=re.compile("Vorgeschlagene Vorlage"))).to_have_count(0)
    offered = cards.first.locator(".suggestion-title").inner_text()
    expect(offer.locator(".msg-text")).to_contain_text(f"„{offered}“")  # the offered template is the first card
    for i in range(shown):  # a button on every card, named with title and town
        item = cards.nth(i)
        title = item.locator(".suggestion-title").inner_text()
        town = item.locator(".meta").inner_text().split(" · ")[0]
        expect(item.get_by_role("button", name=f"Als Vorlage nehmen: „{title}“ aus {town}")).to_be_visible()
    chosen = cards.nth(min(card, shown - 1))
    title = chosen.locator(".suggestion-title").inner_text()
    town = chosen.locator(".meta").inner_text().split(" · ")[0]
    button = chosen.get_by_role("button", name=f"Als Vorlage nehmen: „{title}“ aus {town}")
    expect(button).to_be_visible()
    box = chosen.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box  # the card fits in the window
    clerk.shot(f"03-karten-{card + 1}")
    template_id = chosen.get_by_role("link", name=title).get_attribute("href").rsplit("/", 1)[1]
    template = page.request.get(f"{corpus_site}/api/processes/{template_id}").json()
    expect(chosen.locator(".card-steps")).to_have_text(f"{len(template['steps'])} Arbeitsschritte")

    page.get_by_label("Ihre Nachricht").fill("Notiz für später: Impfpass")  # typed, not sent
    button.click()
    expect(page.locator("#messages .msg-clerk .msg-text").last).to_have_text(
        f"Ich nehme die Vorlage „{title}“ aus {town}.")
    expect(page.locator("#messages .msg-assistant")).to_have_count(3, timeout=REPLY_TIMEOUT)
    reply = clerk.last_reply()
    expect(reply).to_contain_text("übernommen")
    expect(reply).to_contain_text(f"aus {town} übernommen („{title}“)")
    expect(page.get_by_role("button", name=ADOPT)).to_have_count(0)  # used: the old buttons are gone
    expect(page.get_by_label("Ihre Nachricht")).to_have_value("Notiz für später: Impfpass")
    clerk.show_draft()
    expect(page.locator("#draft .draft-steps > li")).to_have_count(len(template["steps"]))
    assert clerk.step_labels() == [s["label"] for s in template["steps"]]
    clerk.shot(f"04-vorlage-{card + 1}-uebernommen")
    clerk.close()


def test_cards_without_steps_are_not_shown(corpus_site, browser):
    """The dog-tax cards 2 and 3 of the demo corpus have no steps: they could not serve as a template, so
    only the offered one is shown, and the question above it stays in view."""
    clerk = Clerk(browser, corpus_site)
    page = clerk.page
    clerk.start_interview()
    send(page, NO_STEPS)
    reply = clerk.last_reply()
    cards = reply.locator(".suggestion")
    expect(cards.first.get_by_role("button", name=ADOPT)).to_be_visible()  # the offered one has steps
    expect(cards).to_have_count(1)
    expect(cards.locator(".card-steps")).to_have_count(1)
    expect(reply).not_to_contain_text("Ohne Arbeitsschritte")
    assert page.evaluate(QUESTION_IN_VIEW, "Passt das bei Ihnen?") == "visible"
    # After a reload the page shows the same card, with its button.
    page.reload()
    cards = clerk.last_reply().locator(".suggestion")
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("button", name=ADOPT)).to_be_visible()
    assert page.evaluate(QUESTION_IN_VIEW, "Passt das bei Ihnen?") == "visible"
    clerk.close()


def _answer_until_summary(clerk: Clerk) -> None:
    """Answer every question with "nothing to say" (the legal basis with "keine") until the summary."""
    page = clerk.page
    for _ in range(25):
        text = clerk.last_reply().locator(".msg-text").inner_text()
        if SUMMARY_QUESTION in text:
            return
        send(page, "Keine." if "Rechtsgrundlage" in text else NOTHING)
    raise AssertionError(f"Keine Zusammenfassung nach 25 Antworten; zuletzt: {text}")


def test_name_changed_after_the_summary_and_undone_in_chat(corpus_site, browser):
    clerk = Clerk(browser, corpus_site)
    page = clerk.page
    clerk.start_interview()
    send(page, TOLD_STEPS)
    expect(clerk.last_reply()).to_contain_text("Dort kommt außerdem vor")
    send(page, "Nein, davon machen wir nichts.")
    expect(clerk.last_reply()).to_contain_text("Gut, dann bleibt es bei Ihren Schritten.")
    expect(clerk.last_reply()).to_contain_text("Wie nennen Sie diesen Ablauf")
    send(page, "Hundesteuer Anmeldung")
    title = page.locator("#draft .draft-title")
    expect(title).to_have_text("Hundesteuer Anmeldung")
    steps = clerk.step_labels()
    _answer_until_summary(clerk)
    summary = clerk.last_reply()
    expect(summary).to_contain_text("Zusammengefasst: „Hundesteuer Anmeldung“")

    # Honest progress: open points are named, the declined one apart; never "all done" while open.
    open_points = page.locator("#open-points")
    expect(open_points).to_contain_text("Noch offen:")
    expect(open_points).not_to_contain_text("Alle Angaben sind erfasst")
    expect(page.locator("#declined-points")).to_have_text("Ohne Angabe (laut Ihnen keine): Rechtsgrundlage.")
    expect(open_points).not_to_contain_text("Rechtsgrundlage")
    total = int(page.locator("#progress").get_attribute("max"))
    done = int(page.locator("#progress").get_attribute("value"))
    missing = open_points.inner_text().removeprefix("Noch offen: ").rstrip(".").split(", ")
    assert done == total - len(missing), (done, total, missing)
    expect(page.locator("#progress-label")).to_have_text(f"Erfasst: {done} von {total} Angaben")
    clerk.shot("05-zusammenfassung")

    send(page, "kannst du den Namen noch ändern in Hundeanmeldung")
    expect(title).to_have_text("Hundeanmeldung")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundeanmeldung")
    expect(clerk.last_reply()).to_contain_text("Hundeanmeldung")
    expect(clerk.last_reply()).to_contain_text("heißt jetzt")
    assert clerk.step_labels() == steps  # only the name changed
    clerk.shot("06-name-geaendert")

    send(page, "rückgängig")
    expect(title).to_have_text("Hundesteuer Anmeldung")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer Anmeldung")
    expect(clerk.last_reply()).to_contain_text("Rückgängig gemacht: Der Ablauf heißt wieder „Hundesteuer Anmeldung“.")
    assert clerk.step_labels() == steps
    clerk.shot("07-rueckgaengig")
    clerk.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_character_counter_and_a_too_long_message_keeps_the_text(corpus_site, browser, width):
    clerk = Clerk(browser, corpus_site, width)
    page = clerk.page
    clerk.start_interview()
    box = page.get_by_label("Ihre Nachricht")
    counter = page.locator("#message-count")
    expect(counter).to_have_attribute("aria-live", "polite")
    expect(counter).to_have_text("0 von 4.000 Zeichen")
    box.fill("Hallo")
    expect(counter).to_have_text("5 von 4.000 Zeichen")
    expect(counter).not_to_have_class(re.compile(r"\b(near|over)\b"))

    sentence = "Wir prüfen die Unterlagen und tragen alles im Steuerprogramm ein. "
    near = (sentence * 60)[:3700]
    box.fill(near)
    expect(counter).to_contain_text("3.700 von 4.000 Zeichen")
    expect(counter).to_have_class(re.compile(r"\bnear\b"))

    too_long = (sentence * 70)[:4000] + "!"
    box.fill(too_long)
    expect(counter).to_contain_text("4.001 von 4.000 Zeichen – 1 zu viel")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(box).to_have_attribute("aria-invalid", "true")
    clerk.shot("08-zu-lang-getippt")
    box.press("Enter")
    error = page.locator("#chat-error")
    expect(error).to_have_text("Die Nachricht ist zu lang (4001 Zeichen). Bitte teilen Sie sie auf; "
                               "höchstens 4000 Zeichen pro Nachricht.")
    expect(box).to_have_value(too_long)  # nothing lost
    expect(box).to_be_focused()
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#messages .msg-clerk")).to_have_count(0)  # refused: not in the conversation
    clerk.shot("09-zu-lang-abgelehnt")
    clerk.forgive("status of 422")

    # Shortened, it goes through; the error and the warning go away.
    send(page, "Es geht um die Anmeldung zur Hundesteuer.")
    expect(error).to_be_hidden()
    expect(counter).to_have_text("0 von 4.000 Zeichen")
    expect(page.locator("#messages .msg-clerk")).to_have_count(1)
    clerk.close()
