"""What the browser tests share: Debian's Chromium via Playwright, a served app, a signed-in tab, the chat.

Importing this module skips the importing test module when ``/usr/bin/chromium`` or the ``playwright``
package is missing (``apt-get install chromium``, ``pip install playwright``; no ``playwright install``
needed). Fixtures are used by importing them into the test module::

    from browser_support import browser, corpus_site  # noqa: F401  (pytest fixtures)
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # git-ignored
PASSWORD = "lotsen-pass-2468"  # the password rules want 12 characters
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
REPLY_TIMEOUT = 90_000  # the first answer with search loads the models
OFFLINE = (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False"))

# Form controls without a label (or aria-label) and buttons or links without text; closed dialogs do not count.
UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href]')).filter(el => {
  if (el.closest('[hidden]') || (el.closest('dialog') && !el.closest('dialog').open)) return false;
  const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (el.matches('button, a')) return !(named || el.textContent.trim());
  return !(named || (el.labels && el.labels.length));
}).map(el => el.outerHTML.slice(0, 120))"""

# "visible" when the given text of the latest assistant message lies inside the scrolled message box,
# else where it is; page.evaluate(QUESTION_IN_VIEW, "Passt das bei Ihnen?").
QUESTION_IN_VIEW = """(question) => {
  const box = document.getElementById('messages').getBoundingClientRect();
  const text = Array.from(document.querySelectorAll('#messages .msg-assistant .msg-text')).pop();
  const node = text.firstChild, at = node.textContent.indexOf(question);
  if (at < 0) return 'not in the text';
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + question.length);
  const q = range.getBoundingClientRect();
  return q.top >= box.top - 1 && q.bottom <= box.bottom + 1 ? 'visible'
    : `out of view: question ${Math.round(q.top)}-${Math.round(q.bottom)}, `
      + `box ${Math.round(box.top)}-${Math.round(box.bottom)}`;
}"""


def screenshot_dir() -> Path | None:
    """``SCREENSHOT_DIR``: where reviewers want copies of the screenshots; None when not asked for."""
    folder = os.environ.get("SCREENSHOT_DIR")
    return Path(folder) if folder else None


def make_app(folder: Path, **config):
    """A migrated SQLite database in ``folder`` and the app on it."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'prozesslotse.db'}"
    upgrade(url)
    return create_app({"DATA_DIR": str(folder), "DATABASE_URL": url, "SECRET_KEY": "browser-test", **config})


@contextmanager
def served(app) -> Iterator[str]:
    """The app on a free loopback port (threaded, like a real server); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["prozesslotse.db"].dispose()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory, embedding_cache_dir):
    """The app with the demo corpus and search index, served; clerks clara (Simulationshausen) and bert
    (Beispielstadt), modeller moritz (Simulationshausen). Yields the base URL."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in OFFLINE:
            env.setenv(key, value)
        app = make_app(tmp_path_factory.mktemp("browser") / "data", EMBEDDING_CACHE_DIR=str(embedding_cache_dir))
        result = app.test_cli_runner().invoke(args=["corpus", "load"])
        assert result.exit_code == 0, result.output
        with app.extensions["prozesslotse.db"].session() as session:
            home = ensure_municipality(session, "Simulationshausen", "Thüringen")
            other = ensure_municipality(session, "Beispielstadt", "Sachsen")
            create_user(session, "clara", PASSWORD, "clerk", home)
            create_user(session, "moritz", PASSWORD, "modeller", home)
            create_user(session, "bert", PASSWORD, "clerk", other)
        with served(app) as base:
            yield base


class BrowserSession:
    """One browser context (one tab) that collects script errors; sign in with ``sign_in`` or ``login``."""

    shot_prefix = "browser"  # screenshot file names: "<prefix>-<name>-<width>.png"

    def __init__(self, browser, base: str, width: int = 1280, height: int = 900, timeout: int = 20_000) -> None:
        self.base = base
        self.width = width
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
        self.context.set_default_timeout(timeout)
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(f"JavaScript-Fehler: {exc}"))
        self.page.on("console", lambda msg: self.errors.append(f"Konsole: {msg.text}") if msg.type == "error" else None)

    def shot(self, name: str) -> None:
        """Every control named and nothing wider than the window; a screenshot when SCREENSHOT_DIR asks for one."""
        self.assert_named_controls()
        self.no_horizontal_overflow()
        folder = screenshot_dir()
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(folder / f"{self.shot_prefix}-{name}-{self.width}.png"), full_page=True)

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Fill in the sign-in form that is on the page and submit it."""
        self.page.get_by_label("Benutzername").fill(username)
        self.page.get_by_label("Passwort", exact=True).fill(password)
        self.page.get_by_role("button", name="Anmelden").click()

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Open the sign-in page, sign in and arrive at the start page."""
        self.page.goto(self.base + "/anmelden")
        self.login(username, password)
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Willkommen")

    def assert_named_controls(self, page=None) -> None:
        page = page or self.page
        unnamed = page.evaluate(UNNAMED_CONTROLS)
        assert not unnamed, f"Bedienelemente ohne Beschriftung auf {page.url}: {unnamed}"

    def no_horizontal_overflow(self) -> None:
        """The loaded page is no wider than the window (measured once its styles apply: under load a page
        just reloaded can be measured before its stylesheet is in, so the check waits for that up to 5 s)."""
        self.page.wait_for_load_state("load")
        overflow = 0
        for _ in range(25):
            overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow <= 1:
                return
            self.page.wait_for_timeout(200)
        assert overflow <= 1, f"Seite ist {overflow}px breiter als das Fenster ({self.page.url})"

    def nav(self, label: str) -> None:
        self.page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=label).click()

    def logout(self) -> None:
        self.page.get_by_role("button", name="Abmelden").click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Anmelden")

    def forgive(self, fragment: str) -> None:
        """Drop expected console errors (e.g. the browser logging an intended 422 answer)."""
        self.errors = [e for e in self.errors if fragment not in e]

    def close(self, forgive: tuple[str, ...] = ()) -> None:
        self.context.close()
        errors = [e for e in self.errors if not any(f in e for f in forgive)]
        assert not errors, errors


def send(page, text: str, timeout: int = REPLY_TIMEOUT) -> None:
    """Type into the chat and press Enter; wait for the assistant's answer."""
    expect(page.locator("#progress-label")).to_contain_text("Angaben")  # the chat script is ready for Enter
    answers = page.locator("#messages .msg-assistant")
    before = answers.count()
    box = page.get_by_label("Ihre Nachricht")
    box.fill(text)
    box.press("Enter")
    expect(answers).to_have_count(before + 1, timeout=timeout)
    expect(page.locator("#typing .typing-inner")).to_be_hidden()
