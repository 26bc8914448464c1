"""Issue 18 in a real browser (Chromium via Playwright), at 1280 px and 390 px: first-run set-up, the
draft panel (edit, reorder, delete, add, undo), login back to the page asked for with the unsent text
kept, the stale tab, Neuigkeiten with the e-mail arriving at an SMTP server on loopback, the phone
views of the interview, and "Passwort vergessen?" (one-time password, reset link by e-mail).

Screenshots go to ``tests/artifacts/`` and, when it exists, to ``/work/screens18b/``.
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

import pytest

from browser_support import (ARTIFACTS, PASSWORD, BrowserSession, browser, expect, make_app,  # noqa: F401
                             screenshot_dir, served)

controller_mod = pytest.importorskip("aiosmtpd.controller", reason="E-Mail-Tests brauchen aiosmtpd")

from app.domain import ProcessProfile  # noqa: E402
from app.storage.models import InterviewRow, UserRow  # noqa: E402
from app.storage.profiles import ensure_municipality  # noqa: E402
from app.storage.users import create_user, issue_token  # noqa: E402

SCREENS = screenshot_dir() or Path("/nonexistent")  # copies for reviewers, only when asked
WIDTHS = [1280, 390]
STEPS = [{"n": 1, "label": "Antrag entgegennehmen", "kind": "receive"},
         {"n": 2, "label": "Unterlagen prüfen", "kind": "check_formal"},
         {"n": 3, "label": "Daten im Fachverfahren erfassen", "kind": "enter_data"},
         {"n": 4, "label": "Bescheid versenden", "kind": "send"}]

pytestmark = pytest.mark.slow


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, to: str, count: int = 1, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if m["To"] == to]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return [m for m in self.messages if m["To"] == to]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    port = _free_port()
    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Server:
    def __init__(self, base: str, app) -> None:
        self.base = base
        self.app = app
        self.db = app.extensions["prozesslotse.db"]

    def user(self, username: str, role: str = "clerk", email: str | None = None) -> dict:
        with self.db.session() as session:
            user = session.query(UserRow).filter_by(username=username).one_or_none()
            if user is None:
                home = ensure_municipality(session, "Simulationshausen", "Thüringen")
                user = create_user(session, username, PASSWORD, role, home)
                user.email = email
            token = issue_token(session, user)
            session.commit()
        return {"Authorization": f"Bearer {token}"}

    def interview(self, username: str) -> int:
        """An open interview whose conversation produced four steps."""
        client = self.app.test_client()
        headers = self.user(username)
        interview = client.post("/api/interviews", json={"title": "Hundesteuer anmelden", "retrieval": False},
                                headers=headers).get_json()
        with self.db.session() as session:
            row = session.get(InterviewRow, interview["id"])
            row.draft = ProcessProfile.model_validate(dict(row.draft, title="Hundesteuer anmelden",
                                                           steps=STEPS)).model_dump(mode="json")
            row.title = "Hundesteuer anmelden"
            session.commit()
        return interview["id"]


@pytest.fixture(scope="module")
def live(tmp_path_factory, smtp):
    _inbox, port = smtp
    app = make_app(tmp_path_factory.mktemp("clerkday") / "data", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                   SMTP_STARTTLS=False, SMTP_FROM="lotse@example.org")
    with served(app) as base:
        srv = Server(base, app)
        srv.user("admin1", "admin")
        yield srv


class Tab(BrowserSession):
    """A browser tab, not yet signed in (``login`` fills the sign-in form on the page)."""

    def __init__(self, browser, base: str, width: int) -> None:
        super().__init__(browser, base, width, 860 if width > 500 else 780, timeout=15_000)

    def shot(self, name: str) -> None:
        path = ARTIFACTS / f"18b-{name}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if SCREENS.is_dir():
            shutil.copy(path, SCREENS / path.name)
        self.no_horizontal_overflow()

    def close(self, forgive: tuple[str, ...] = ()) -> None:
        # Intended refusals (422 validation, 401 stale session, 404/410 after use) are logged by the browser.
        super().close(forgive + ("the server responded with a status of 4",))


# -- 1. first run -----------------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_first_run_setup_page(browser, tmp_path, width):
    app = make_app(tmp_path / "data")
    with served(app) as base:
        _first_run(browser, base, width)


def _first_run(browser, base: str, width: int) -> None:
    tab = Tab(browser, base, width)
    try:
        page = tab.page
        page.goto(base + "/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Prozesslotse einrichten")
        page.get_by_label("Name der Kommune").fill("Neustadt an der Lotse")
        page.get_by_label("Bundesland").select_option("Sachsen")
        page.get_by_label("Benutzername").fill("anna")
        page.get_by_label("Passwort", exact=True).fill("kurz")
        page.get_by_role("button", name="Einrichten und anmelden").click()
        expect(page.locator(".field-error")).to_contain_text("mindestens 12 Zeichen")
        tab.shot("01-einrichten-fehler")
        page.get_by_label("Passwort", exact=True).fill("Kirschbaum-am-Rathaus-7")
        page.get_by_label("Passwort wiederholen").fill("Kirschbaum-am-Rathaus-7")
        page.get_by_role("button", name="Einrichten und anmelden").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Kommunen und Benutzer")
        expect(page.locator(".flash.info")).to_contain_text("Prozesslotse ist eingerichtet")
        tab.shot("02-eingerichtet")
        assert page.goto(base + "/einrichten").status == 404
    finally:
        tab.close(forgive=("404",))


# -- 2./3./6. draft panel, login back to the interview, unsent text, phone views ------------------------

def _open_draft_view(tab) -> None:
    if tab.width <= 700:
        tab.page.get_by_role("button", name=re.compile("^Entwurf")).click()


@pytest.mark.parametrize("width", WIDTHS)
def test_draft_panel_login_return_and_unsent_text(live, browser, width):
    clerk = f"clara{width}"
    live.user(clerk, email=None)
    interview_id = live.interview(clerk)
    tab = Tab(browser, live.base, width)
    page = tab.page
    # A direct link to the interview: sign in, come back to it.
    page.goto(f"{live.base}/interviews/{interview_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    tab.login(clerk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    assert page.url.endswith(f"/interviews/{interview_id}")

    # Unsent text survives a reload (the progress label is drawn by the chat script once it runs).
    expect(page.locator("#progress-label")).to_contain_text("Angaben")
    page.get_by_label("Ihre Nachricht").fill("Die Frist beträgt zwei Wochen")
    page.reload()
    expect(page.get_by_label("Ihre Nachricht")).to_have_value("Die Frist beträgt zwei Wochen")

    # Phone: chat and draft are two views; the latest question stays above the message box.
    switch = page.get_by_role("group", name="Ansicht")
    if width <= 700:
        expect(switch).to_be_visible()
        expect(page.locator("#draft-section")).to_be_hidden()
        question = page.locator("#current-question")
        expect(question).to_be_hidden()  # the question itself is in view: no repetition
        tab.shot("03-interview-gespraech")
        # The keyboard takes half the screen: the box is in view, the question is repeated above it.
        page.set_viewport_size({"width": width, "height": 380})
        page.get_by_label("Ihre Nachricht").focus()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        expect(question).to_be_visible()
        expect(question).to_contain_text("Beschreiben Sie bitte in eigenen Worten")
        page.screenshot(path=str(ARTIFACTS / "18b-03b-frage-sichtbar-390.png"))
        if SCREENS.is_dir():
            shutil.copy(ARTIFACTS / "18b-03b-frage-sichtbar-390.png", SCREENS)
        page.set_viewport_size({"width": width, "height": 780})
    else:
        expect(switch).to_be_hidden()
        expect(page.locator("#draft-section")).to_be_visible()
    _open_draft_view(tab)
    steps = page.locator("#draft .draft-steps > li")
    expect(steps).to_have_count(4)

    # Edit a step.
    page.get_by_role("button", name="Bearbeiten Schritt 2: Unterlagen prüfen").click()
    page.get_by_label("Bezeichnung").fill("")
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#draft-error")).to_contain_text("Bezeichnung")
    page.get_by_label("Bezeichnung").fill("Unterlagen auf Vollständigkeit prüfen")
    page.get_by_label("Zuständig").fill("Steueramt")
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#draft-status")).to_contain_text("Schritt 2 gespeichert")
    expect(steps.nth(1)).to_contain_text("Unterlagen auf Vollständigkeit prüfen")
    # Move up, delete, undo, add.
    page.get_by_role("button", name="Nach oben: Schritt 3: Daten im Fachverfahren erfassen").click()
    expect(steps.nth(1)).to_contain_text("Daten im Fachverfahren erfassen")
    page.get_by_role("button", name="Löschen Schritt 4: Bescheid versenden").click()
    expect(steps).to_have_count(3)
    page.get_by_role("button", name="Letzte Änderung rückgängig").click()
    expect(page.locator("#draft-status")).to_contain_text("rückgängig")
    expect(steps).to_have_count(4)
    expect(page.get_by_role("button", name="Letzte Änderung rückgängig")).to_have_count(0)
    page.get_by_role("button", name="Schritt hinzufügen").click()
    page.get_by_label("Bezeichnung").fill("Akte ablegen")
    page.get_by_label("Baustein").select_option("archive")
    page.get_by_role("button", name="Übernehmen").click()
    expect(steps).to_have_count(5)
    expect(steps.nth(4)).to_contain_text("Ablegen/Archivieren")
    # Profile fields.
    page.get_by_role("button", name="Angaben bearbeiten").click()
    page.get_by_label("Zuständige Stelle").fill("Steueramt")
    page.get_by_label("Fälle pro Jahr").fill("viele")
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#draft-error")).to_contain_text("Fälle pro Jahr")
    page.get_by_label("Fälle pro Jahr").fill("1.200")
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#draft-status")).to_contain_text("Angaben gespeichert")
    expect(page.locator("#draft")).to_contain_text("Steueramt")
    tab.shot("04-entwurf-bearbeitet")
    # The stored interview draft is what the panel shows, also after a reload.
    page.reload()
    _open_draft_view(tab)
    expect(steps).to_have_count(5)
    expect(page.locator("#draft")).to_contain_text("1.200")
    expect(page.get_by_label("Ihre Nachricht")).to_have_value("Die Frist beträgt zwei Wochen")
    tab.close()


# -- 4. stale tab ------------------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_stale_tab_one_sentence_and_login_back_with_text(live, browser, width):
    clerk = f"stale{width}"
    live.user(clerk)
    interview_id = live.interview(clerk)
    tab = Tab(browser, live.base, width)
    page = tab.page
    page.goto(f"{live.base}/anmelden?next=/interviews/{interview_id}")
    tab.login(clerk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    expect(page.locator("#progress-label")).to_contain_text("Angaben")  # the chat script is ready for Enter
    tab.context.clear_cookies()  # the session is gone, the tab still shows the interview
    box = page.get_by_label("Ihre Nachricht")
    box.fill("Wir prüfen auch die Impfung.")
    box.press("Enter")
    error = page.locator("#chat-error")
    expect(error).to_have_text("Ihre Sitzung ist abgelaufen – bitte melden Sie sich neu an.")
    assert error.inner_text().count("Sitzung") == 1
    tab.shot("05-sitzung-abgelaufen")
    error.get_by_role("link", name="melden Sie sich neu an").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    tab.login(clerk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    expect(page.get_by_label("Ihre Nachricht")).to_have_value("Wir prüfen auch die Impfung.")
    tab.close(forgive=("401",))


# -- 5. Neuigkeiten and e-mail -------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_inbox_unread_count_and_mail(live, browser, smtp, width):
    inbox, _port = smtp
    clerk = f"nina{width}"
    address = f"{clerk}@example.org"
    clerk_headers = live.user(clerk, email=address)
    modeller = live.user(f"moritz{width}", "modeller")
    interview_id = live.interview(clerk)
    client = live.app.test_client()
    draft_id = client.post(f"/api/interviews/{interview_id}/finish", headers=clerk_headers).get_json()["draft_id"]
    client.post(f"/api/drafts/{draft_id}/submit", headers=clerk_headers)
    client.post(f"/api/drafts/{draft_id}/comments", headers=modeller, json={"text": "Wer zeichnet mit?", "step_n": 2})
    client.post(f"/api/drafts/{draft_id}/review", headers=modeller,
                json={"decision": "request_changes", "comment": "Bitte die Frist ergänzen."})
    mails = inbox.wait_for(address, 2)
    assert len(mails) == 2
    assert "Bitte die Frist ergänzen." in mails[1].get_content()
    assert f"/entwuerfe/{draft_id}" in mails[1].get_content()

    tab = Tab(browser, live.base, width)
    page = tab.page
    page.goto(live.base + "/anmelden")
    tab.login(clerk)
    link = page.get_by_role("link", name=re.compile("Neuigkeiten"))
    expect(link.locator("#unread-count")).to_have_text("2")
    tab.shot("06-start-mit-neuigkeiten")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuigkeiten")
    expect(page.locator(".notice.unread")).to_have_count(2)
    expect(page.locator(".notice").first).to_contain_text("bittet um Änderungen")
    tab.shot("07-neuigkeiten")
    page.locator(".notice").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer anmelden")
    expect(page.locator("#unread-count")).to_have_text("1")
    tab.close()


# -- 7. forgotten password -------------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_password_help_reset_link_and_one_time_password(live, browser, smtp, width):
    inbox, _port = smtp
    name = f"paula{width}"
    address = f"{name}@example.org"
    live.user(name, email=address)
    tab = Tab(browser, live.base, width)
    page = tab.page
    page.goto(live.base + "/anmelden")
    page.get_by_role("link", name="Passwort vergessen?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort vergessen?")
    expect(page.locator("main")).to_contain_text("Administration Ihrer Kommune")
    page.get_by_label("Benutzername oder E-Mail-Adresse").fill(name)
    page.get_by_role("button", name="Link zusenden").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    tab.shot("08-passwort-vergessen")
    mails = inbox.wait_for(address)
    assert mails, "Die E-Mail mit dem Link ist nicht angekommen"
    link = re.search(r"https?://\S+/passwort-neu/\S+", mails[0].get_content()).group(0)
    page.goto(link)
    page.get_by_label("Neues Passwort", exact=True).fill("Sonnenblumen-im-Mai-4")
    page.get_by_label("Neues Passwort wiederholen").fill("Sonnenblumen-im-Mai-4")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.locator(".flash.info")).to_contain_text("neues Passwort ist gespeichert")
    tab.login(name, "Sonnenblumen-im-Mai-4")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Willkommen")
    page.goto(link)
    expect(page.locator(".flash.error")).to_contain_text("schon benutzt")
    tab.close(forgive=("410",))

    # The admin sets a one-time password; at the next sign-in the user must choose their own.
    admin = Tab(browser, live.base, width)
    admin.page.goto(live.base + "/anmelden")
    admin.login("admin1")
    admin.page.goto(live.base + "/verwaltung")
    admin.page.get_by_role("button", name=f"Einmal-Passwort setzen für {name}").click()
    one_time = admin.page.locator("#one-time-password").inner_text()
    admin.shot("09-einmal-passwort")
    admin.close()
    user = Tab(browser, live.base, width)
    user.page.goto(live.base + "/meine")
    user.login(name, one_time)
    expect(user.page.locator("#must-change")).to_be_visible()
    user.page.get_by_label("Bisheriges Passwort").fill(one_time)
    user.page.get_by_label("Neues Passwort", exact=True).fill("Gartenzaun-blau-2026")
    user.page.get_by_label("Neues Passwort wiederholen").fill("Gartenzaun-blau-2026")
    user.shot("10-eigenes-passwort")
    user.page.get_by_role("button", name="Passwort ändern").click()
    expect(user.page.get_by_role("heading", level=1)).to_have_text("Meine Interviews und Entwürfe")
    user.close()
