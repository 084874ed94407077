"""End to end: the sandbox's page in a real browser, as a newcomer tries Miroir.

`python -m bot sandbox` runs as its own process, without a token; headless Chromium,
driven by Selenium, uses the page as a person does on a phone. Karim starts, says he
comes to a workshop, moves the clock to the reminder and gets it; Claire, a
facilitator, sees his name in "👥 Qui vient ?".

The browser is the Debian `chromium` package with its driver, which `.ci/run` installs.
Without them the test is skipped on a workstation, never in CI (CI set).
The page's attributes relied on here are its contract (data-persona, .msg[data-id],
button.inline[data-text], #keyboard .key, #composer, #send, data-clock, #toast, #now,
#violations). `benchmarks.sandbox_bench` reuses the helpers.
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from handlers.calendar_admin.sessions import UPCOMING_LIMIT

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
READY = re.compile(r"Miroir sandbox: open (http://127\.0\.0\.1:(\d+)/)")
T = TypeVar("T")

# In the page: note when the next click happens and when, after it, the bot's answer
# shows (a bot message new or changed, or a new toast). The person's own message
# showing up first does not count.
PROBE_JS = """
const toastShown = () => {
  const toast = document.getElementById('toast');
  if (!toast || toast.hidden) return '';
  const style = getComputedStyle(toast);
  if (style.display === 'none' || style.visibility === 'hidden') return '';
  return toast.textContent.trim();
};
const botMessages = () => Array.from(
  document.querySelectorAll('#messages .msg[data-from="bot"]'),
  m => m.dataset.id + '|' + m.className + '|' + m.textContent
).join('\\n');
const previous = window.__miroirProbe;
if (previous) previous.stop();
const before = botMessages();
const toastBefore = toastShown();
const probe = {clicked: null, answered: null};
const check = () => {
  if (probe.clicked === null || probe.answered !== null) return;
  const toast = toastShown();
  if (botMessages() !== before || (toast !== '' && toast !== toastBefore)) {
    probe.answered = performance.now();
    probe.stop();
  }
};
const clicked = () => {
  if (probe.clicked === null) probe.clicked = performance.now();
};
const observer = new MutationObserver(check);
observer.observe(document.body, {
  subtree: true, childList: true, characterData: true, attributes: true
});
window.addEventListener('click', clicked, {capture: true});
probe.stop = () => {
  observer.disconnect();
  window.removeEventListener('click', clicked, {capture: true});
};
window.__miroirProbe = probe;
"""
PROBE_RESULT_JS = """
const probe = window.__miroirProbe;
return probe && probe.answered !== null ? [probe.answered - probe.clicked] : null;
"""
MESSAGES_JS = """
return Array.from(document.querySelectorAll('#messages .msg'), m => {
  const text = m.querySelector('.text');
  return {
    id: m.dataset.id,
    from: m.dataset.from,
    edited: m.classList.contains('edited'),
    text: text ? text.textContent : '',
    buttons: Array.from(m.querySelectorAll('button.inline'), b => b.dataset.text),
  };
});
"""
INLINE_JS = """
const [label, id] = arguments;
const messages = Array.from(document.querySelectorAll('#messages .msg'))
  .filter(m => id === null || m.dataset.id === id)
  .reverse();
for (const m of messages) {
  for (const b of m.querySelectorAll('button.inline')) {
    if (b.dataset.text === label) return b;
  }
}
return null;
"""
KEY_JS = """
for (const b of document.querySelectorAll('#keyboard button.key')) {
  if (b.dataset.text === arguments[0]) return b;
}
return null;
"""
KEYS_JS = (
    "return Array.from(document.querySelectorAll('#keyboard button.key'), b => b.dataset.text);"
)
TOAST_JS = """
const toast = document.getElementById('toast');
if (!toast || toast.hidden || getComputedStyle(toast).display === 'none') return '';
return toast.textContent.trim();
"""
VIOLATIONS_JS = """
const box = document.getElementById('violations');
if (!box || box.hidden || getComputedStyle(box).display === 'none') return '';
return box.textContent.trim();
"""
SELECTOR_JS = "return document.querySelector(arguments[0]);"
RESOURCES_JS = "return performance.getEntriesByType('resource').map(e => e.name);"


def browser_installed() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q % of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class SandboxProcess:
    """`python -m bot sandbox --port PORT` in `folder`, its output read as it comes."""

    def __init__(self, folder: Path, port: int, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "sandbox", "--port", str(port), *args],
            cwd=folder,
            # No BOT_TOKEN: the sandbox needs none.
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(folder),
                "PYTHONPATH": str(ROOT),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        # Read in the background: the pipe never fills, and a start that hangs times out.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            found = READY.search(line)
            if found and self.url is None:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()  # it ended: nobody waits for a line that will not come

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_ready(self, timeout: float = 60.0) -> str:
        """The page's address, once the sandbox printed it."""
        if not self._ready.wait(timeout) or self.url is None:
            self.stop()
            raise AssertionError(f"the sandbox did not say where its page is:\n{self.output}")
        return self.url

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a terminal's Ctrl+C or a service manager; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        return self.process.returncode


def start_browser() -> webdriver.Chrome:
    """Headless Chromium the size of a phone."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=420,860",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # Headless Chromium starts at least 500 wide whatever --window-size says.
    driver.set_window_size(420, 860)
    return driver


@dataclass(frozen=True)
class Shown:
    """A message as the page shows it."""

    id: str
    from_bot: bool
    text: str
    buttons: list[str]
    edited: bool


@dataclass
class SandboxPage:
    """The page as a person uses it: taps, and what shows on screen after them."""

    driver: webdriver.Chrome
    url: str
    timeout: float = 30.0
    # Each tap to the bot's answer on screen, in milliseconds: (what was tapped, ms).
    answers: list[tuple[str, float]] = field(default_factory=list)

    def open(self) -> None:
        self.driver.get(self.url)
        self.wait(
            lambda: self.driver.execute_script(
                "return !!document.querySelector('#messages')"
                " && !!document.querySelector('button[data-persona]');"
            ),
            "the page",
        )

    def wait(
        self, condition: Callable[[], T | None], what: str, timeout: float | None = None
    ) -> T:
        """Wait until `condition` gives something true and return it."""
        try:
            found = WebDriverWait(self.driver, timeout or self.timeout, poll_frequency=0.02).until(
                lambda _driver: condition()
            )
        except TimeoutException:
            raise AssertionError(
                f"waited {timeout or self.timeout} s for {what}; the chat shows:\n"
                f"{self.transcript()}\ntoast: {self.toast()!r}"
            ) from None
        assert found is not None  # until() returns only what is true
        return found

    # --- what the page shows ------------------------------------------------------------

    def messages(self) -> list[Shown]:
        rows: list[dict[str, Any]] = self.driver.execute_script(MESSAGES_JS)
        return [
            Shown(
                id=str(row["id"]),
                from_bot=row["from"] == "bot",
                text=str(row["text"]),
                buttons=[str(b) for b in row["buttons"]],
                edited=bool(row["edited"]),
            )
            for row in rows
        ]

    def bot_messages(self) -> list[Shown]:
        return [m for m in self.messages() if m.from_bot]

    def message(self, message_id: str) -> Shown | None:
        return next((m for m in self.messages() if m.id == message_id), None)

    def menu_keys(self) -> list[str]:
        keys: list[str] = self.driver.execute_script(KEYS_JS)
        return keys

    def toast(self) -> str:
        return str(self.driver.execute_script(TOAST_JS) or "")

    def violations(self) -> str:
        return str(self.driver.execute_script(VIOLATIONS_JS) or "")

    def now(self) -> str:
        return str(
            self.driver.execute_script("return document.querySelector('#now').textContent;")
        )

    def resources(self) -> list[str]:
        names: list[str] = self.driver.execute_script(RESOURCES_JS)
        return names

    def transcript(self) -> str:
        return "\n".join(
            f"[{m.id} {'bot' if m.from_bot else 'user'}{' edited' if m.edited else ''}] "
            f"{m.text!r} {m.buttons}"
            for m in self.messages()
        )

    def wait_bot(self, check: Callable[[Shown], bool], what: str) -> Shown:
        """The newest bot message that passes `check`, once there is one."""

        def found() -> Shown | None:
            return next((m for m in reversed(self.bot_messages()) if check(m)), None)

        return self.wait(found, what)

    def wait_new_bot(self, after: list[Shown], check: Callable[[Shown], bool], what: str) -> Shown:
        """A bot message new or changed since `after` (what was on screen) passing `check`."""
        seen = {(m.id, m.text) for m in after}
        return self.wait_bot(lambda m: (m.id, m.text) not in seen and check(m), what)

    def wait_message(self, message_id: str, check: Callable[[Shown], bool], what: str) -> Shown:
        """Message `message_id` once it passes `check` (after an edit, say)."""

        def found() -> Shown | None:
            message = self.message(message_id)
            return message if message is not None and check(message) else None

        return self.wait(found, what)

    # --- what a person does -------------------------------------------------------------

    def choose(self, persona: str) -> None:
        """Speak as `persona` (nadia, karim, john, claire or group)."""
        selector = f'button[data-persona="{persona}"]'
        self.driver.find_element("css selector", selector).click()
        self.wait(
            lambda: self.driver.execute_script(
                "return document.querySelector(arguments[0]).classList.contains('active');",
                selector,
            ),
            f"{persona} chosen",
        )
        # The page empties the chat at once, then draws the chosen one (or says it is empty).
        self.wait(
            lambda: self.driver.execute_script(
                "return document.querySelector('#messages').childElementCount > 0;"
            ),
            f"{persona}'s chat",
        )

    def send(self, text: str) -> float:
        """Write `text` in the composer and send it (plain ASCII: ChromeDriver types it)."""
        composer = self.driver.find_element("css selector", "#composer")
        composer.clear()
        composer.send_keys(text)
        return self._timed(lambda: self._element(SELECTOR_JS, "#send"), f"send {text}")

    def tap(self, label: str, message_id: str | None = None) -> float:
        """Touch the inline button `label` (of that message; else of the newest one having it)."""
        return self._timed(lambda: self._element(INLINE_JS, label, message_id), label)

    def key(self, label: str) -> float:
        """Touch `label` on the reply keyboard."""
        return self._timed(lambda: self._element(KEY_JS, label), label)

    def clock(self, move: str) -> float:
        """⏩ the sandbox's clock: hour, reminder or after."""
        selector = f'button[data-clock="{move}"]'
        return self._timed(lambda: self._element(SELECTOR_JS, selector), f"clock {move}")

    def _element(self, script: str, *args: Any) -> WebElement | None:
        found = self.driver.execute_script(script, *args)
        return found if isinstance(found, WebElement) else None

    def _timed(self, find: Callable[[], WebElement | None], what: str) -> float:
        """Click what `find` finds, and the milliseconds until the bot's answer shows."""
        for _attempt in range(3):
            element = self.wait(find, repr(what))
            self.driver.execute_script(PROBE_JS)
            try:
                element.click()
                break
            except StaleElementReferenceException:
                continue  # the page drew it anew between finding and clicking
        else:
            raise AssertionError(f"{what!r} kept being redrawn")
        result: list[float] = self.wait(
            lambda: self.driver.execute_script(PROBE_RESULT_JS), f"the bot's answer to {what}"
        )
        self.answers.append((what, float(result[0])))
        return float(result[0])


def is_reminder(message: Shown) -> bool:
    """The reminders' first lines (bot/locales/fr/LC_MESSAGES/reminders.po): "🔔 L'atelier,
    c'est demain !", "🔔 L'atelier commence aujourd'hui à 14 h.", or the question to
    whoever has not answered yet."""
    first = message.text.split("\n", 1)[0]
    opening = first.startswith(("🔔 L'atelier", "👋 Vous venez à l'atelier"))
    return opening and ("demain" in first or "aujourd'hui" in first)


def new_cards(page: SandboxPage, before: list[Shown], count: int) -> list[Shown] | None:
    """The facilitator's session cards that came after `before`, once all `count` did."""
    seen = {m.id for m in before}
    cards = [m for m in page.bot_messages() if m.id not in seen and "👥 Qui vient ?" in m.buttons]
    return cards if len(cards) >= count else None


@pytest.fixture
def driver() -> Iterator[webdriver.Chrome]:
    if not browser_installed():
        if os.environ.get("CI"):
            pytest.fail(f"CI: {CHROMIUM} and {CHROMEDRIVER} are needed (.ci/run installs them)")
        pytest.skip("no Chromium: apt-get install chromium chromium-driver")
    driver = start_browser()
    yield driver
    driver.quit()


def test_a_newcomer_says_yes_gets_the_reminder_and_the_facilitator_sees_the_name(
    driver: webdriver.Chrome, tmp_path: Path
) -> None:
    port = free_port()
    sandbox = SandboxProcess(tmp_path, port)
    try:
        url = sandbox.wait_ready()
        assert url == f"http://127.0.0.1:{port}/"
        page = SandboxPage(driver, url)
        page.open()

        # Karim is new: the demo data did not onboard him.
        page.choose("karim")
        assert page.messages() == []
        assert page.menu_keys() == []
        page.send("/start")
        page.wait_bot(lambda m: "Choisissez votre langue" in m.text, "the language question")
        page.tap("🇫🇷 Français")
        page.wait_bot(lambda m: "✅ Je suis d'accord" in m.buttons, "the consent question")
        page.tap("✅ Je suis d'accord")
        welcome = page.wait_bot(lambda m: "Bienvenue, Karim" in m.text, "the welcome")
        assert "🔔 Je vous rappelle les ateliers." in welcome.text
        page.wait(lambda: "📅 Prochains ateliers" in page.menu_keys(), "the menu")

        page.key("📅 Prochains ateliers")
        # The listing ends with the reminders' choice: every card is on screen then.
        page.wait_bot(lambda m: "🔔 Mes rappels" in m.buttons, "the end of the listing")
        card = next(m for m in page.bot_messages() if "✅ Je viens" in m.buttons)
        assert card.text.startswith("🎨 ")
        page.tap("✅ Je viens", card.id)
        page.wait(lambda: page.toast() == "✅ C'est noté : vous venez !", "the toast")
        answered = page.wait_message(card.id, lambda m: "✅ Vous venez." in m.text, "the edit")
        assert answered.edited
        assert "➕ Je viens avec quelqu'un" in answered.buttons

        # ⏩ to the next reminder: the real scheduler and outbox send it.
        before, earlier = page.messages(), page.now()
        page.clock("reminder")
        reminder = page.wait_new_bot(before, is_reminder, "the reminder")
        assert "🎨 " in reminder.text
        assert page.now() != earlier

        # Claire, a facilitator, looks at who comes to that session.
        page.choose("claire")
        page.wait(lambda: "🗓️ Calendrier" in page.menu_keys(), "Claire's menu")
        page.key("🗓️ Calendrier")
        page.wait_bot(lambda m: "📋 Prochaines séances" in m.buttons, "the calendar")
        before = page.messages()
        page.tap("📋 Prochaines séances")
        # One card per session, the next ones first; the demo has more than that many.
        cards = page.wait(lambda: new_cards(page, before, UPCOMING_LIMIT), "the cards")
        first = cards[0]
        before = page.messages()
        page.tap("👥 Qui vient ?", first.id)
        who = page.wait_new_bot(
            before, lambda m: m.text.startswith("👥 Qui vient ?"), "the list of names"
        )
        assert "• Karim" in who.text, who.text

        assert page.violations() == "", "the bot made requests Telegram would refuse"
        outside = [u for u in page.resources() if not u.startswith(url)]
        assert outside == [], "the page loads things from elsewhere"
        console: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
        errors = [e for e in console if e.get("level") == "SEVERE"]
        assert errors == [], errors

        shot = tmp_path / "sandbox.png"
        assert driver.save_screenshot(str(shot))
        assert shot.exists() and shot.stat().st_size > 0

        # Not asserted: benchmarks/sandbox_bench.py measures it for the README.
        # The clock is apart: its answer is the scheduler's and the outbox's work.
        timings = [ms for what, ms in page.answers if not what.startswith("clock")]
        print(
            f"\nsandbox page, tap to the bot's answer on screen: p95 "
            f"{percentile(timings, 95):.0f} ms, median {percentile(timings, 50):.0f} ms "
            f"over {len(timings)} taps: "
            + ", ".join(f"{what} {ms:.0f}" for what, ms in page.answers)
        )
    finally:
        code = sandbox.stop()
    assert code == 0, sandbox.output
    assert "Traceback" not in sandbox.output, sandbox.output
