"""Sandbox benchmark (issue 11): `python -m benchmarks.sandbox_bench` from the repository root.

`python -m bot sandbox --port P` runs as its own process, without a token, in a fresh
temporary folder, as a newcomer starts it.

1. From the command to the page answering (HTTP 200 on /): the first start, which
   migrates the sandbox's database and seeds the demo data, then a second start on the
   same folder (no seeding). Target: under 3 s on 2 cores.
2. A tap in the page to the bot's answer on screen, in headless Chromium driven by
   Selenium as in tests/e2e/test_sandbox_browser.py: Karim starts (not measured), then
   10 rounds of "📅 Prochains ateliers" and an answer on the first card, "🤔 Peut-être"
   and "✅ Je viens" in turn: 20 taps, each timed in the page from the click to the
   first new or edited bot message or the toast. Target: under 300 ms at the 95th
   percentile. Each tap follows the previous answer at once (the card edited and its
   toast shown); `--pause S` lets Karim read S seconds first, as a person does.

`--runs N` repeats each scenario N times, then prints the median and range of the key
figures; `--scenario` picks one. Each result notes the load average before it started.
Needs /usr/bin/chromium and /usr/bin/chromedriver for scenario 2.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, summary
from tests.e2e.test_sandbox_browser import (
    SandboxPage,
    SandboxProcess,
    free_port,
    percentile,
    start_browser,
)

START_TARGET_S = 3.0
TAP_TARGET_MS = 300.0
ROUNDS = 10
PAUSE_S = 0.0
# (button, the card's line after it, the toast): answers that change the card each time.
ANSWERS = (
    ("🤔 Peut-être", "🤔 Vous venez peut-être.", "🤔 C'est noté : peut-être."),
    ("✅ Je viens", "✅ Vous venez.", "✅ C'est noté : vous venez !"),
)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def page_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def time_start(folder: Path, limit: float = 60.0) -> tuple[float, SandboxProcess]:
    """Seconds from the command to GET / answering 200, and the running sandbox."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    sandbox = SandboxProcess(folder, port)
    while time.monotonic() - started < limit:
        if page_answers(url):
            return time.monotonic() - started, sandbox
        if sandbox.process.poll() is not None:
            break
        time.sleep(0.01)
    sandbox.stop()
    raise RuntimeError(f"the page did not answer within {limit} s:\n{sandbox.output}")


def scenario_start() -> dict[str, Any]:
    before = load()
    with tempfile.TemporaryDirectory(prefix="miroir-sandbox-") as name:
        folder = Path(name)
        first, sandbox = time_start(folder)
        first_code = sandbox.stop()
        second, sandbox = time_start(folder)
        second_code = sandbox.stop()
        output = sandbox.output
    return {
        "load_before": before,
        "first_start_s": round(first, 2),
        "second_start_s": round(second, 2),
        "target_s": START_TARGET_S,
        "clean_exits": first_code == 0 and second_code == 0 and "Traceback" not in output,
    }


def onboard(page: SandboxPage, persona: str = "karim") -> None:
    page.choose(persona)
    page.send("/start")
    page.tap("🇫🇷 Français")
    page.wait_bot(lambda m: "✅ Je suis d'accord" in m.buttons, "the consent question")
    page.tap("✅ Je suis d'accord")
    page.wait(lambda: "📅 Prochains ateliers" in page.menu_keys(), "the menu")


def scenario_taps(rounds: int = ROUNDS, pause: float = PAUSE_S) -> dict[str, Any]:
    before = load()
    with tempfile.TemporaryDirectory(prefix="miroir-sandbox-") as name:
        sandbox = SandboxProcess(Path(name), free_port())
        driver = start_browser()
        try:
            page = SandboxPage(driver, sandbox.wait_ready())
            page.open()
            onboard(page)
            page.answers.clear()
            for index in range(rounds):
                time.sleep(pause)
                shown = page.messages()
                page.key("📅 Prochains ateliers")
                # The listing ends with the reminders' choice: all its cards are there.
                page.wait_new_bot(shown, lambda m: "🔔 Mes rappels" in m.buttons, "the listing")
                seen = {m.id for m in shown}
                card = next(
                    m
                    for m in page.bot_messages()
                    if m.id not in seen and "✅ Je viens" in m.buttons
                )
                button, line, toast = ANSWERS[index % len(ANSWERS)]
                time.sleep(pause)
                page.tap(button, card.id)
                page.wait_message(card.id, lambda m: line in m.text, "the edit")  # noqa: B023
                page.wait(lambda: page.toast() == toast, "the toast")  # noqa: B023
            violations = page.violations()
        finally:
            driver.quit()
            code = sandbox.stop()
    keys = [ms for what, ms in page.answers if what == "📅 Prochains ateliers"]
    inline = [ms for what, ms in page.answers if what != "📅 Prochains ateliers"]
    every = keys + inline
    return {
        "load_before": before,
        "taps": len(every),
        "pause_s": pause,
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "max_ms": round(max(every), 1),
        "menu_key_p50_ms": round(statistics.median(keys), 1),
        "inline_p50_ms": round(statistics.median(inline), 1),
        "target_p95_ms": TAP_TARGET_MS,
        "violations": violations,
        "clean_exit": code == 0 and "Traceback" not in sandbox.output,
    }


KEY_FIGURES = {
    "1_start": ("first_start_s", "second_start_s"),
    "2_taps": ("p50_ms", "p95_ms", "max_ms", "menu_key_p50_ms", "inline_p50_ms"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="scenario 2: 2 taps each")
    parser.add_argument(
        "--pause", type=float, default=PAUSE_S, help="scenario 2: seconds read between taps"
    )
    parser.add_argument("--scenario", choices=["1", "2", "all"], default="all")
    args = parser.parse_args()
    workdir = ROOT / "benchmarks" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = {"1", "2"} if args.scenario == "all" else {args.scenario}
    results: dict[str, list[dict[str, Any]]] = {}
    for run in range(1, args.runs + 1):
        found: dict[str, dict[str, Any]] = {}
        if "1" in chosen:
            found["1_start"] = scenario_start()
        if "2" in chosen:
            found["2_taps"] = scenario_taps(args.rounds, args.pause)
        for name, result in found.items():
            print(json.dumps({name: {"run": run, **result}}, ensure_ascii=False), flush=True)
            results.setdefault(name, []).append(result)
    summaries = {name: summary(runs, KEY_FIGURES[name]) for name, runs in results.items()}
    if args.runs > 1:
        for name, found_summary in summaries.items():
            print(json.dumps({f"{name}_summary": found_summary}, ensure_ascii=False), flush=True)
    (workdir / "sandbox.json").write_text(
        json.dumps({"runs": results, "summary": summaries}, indent=2, ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
