"""The house rules a machine can check: explicit wiring, no hidden imports, one surface."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import handlers
from bot.callback_data import ButtonKind
from bot.i18n import Translator
from handlers.capability import Who

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "scheduler")
# The only reason an import may sit inside a function.
OPTIONAL = "optional dependency"


def _source_files() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _imports_inside_functions(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import | ast.ImportFrom):
                before = lines[inner.lineno - 2] if inner.lineno >= 2 else ""
                if OPTIONAL not in before and OPTIONAL not in lines[inner.lineno - 1]:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return found


def test_no_import_hides_inside_a_function() -> None:
    """An import inside a function hides a circle; only optional dependencies may do it."""
    found = [where for path in _source_files() for where in _imports_inside_functions(path)]
    assert found == []


def _handler_modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(handlers.__path__, prefix="handlers.")]


def test_every_declared_button_kind_is_answered() -> None:
    """A kind declared in a handler module but not routed would be a button that does nothing."""
    surface = handlers.assemble(Translator())
    routed = set(surface.button_kinds)
    declared = {
        value
        for name in _handler_modules()
        for value in vars(importlib.import_module(name)).values()
        if isinstance(value, ButtonKind)
    }
    assert declared - routed == set()


def test_assembling_twice_gives_the_same_surface() -> None:
    """Importing a module registers nothing: the surface is a value, built on demand."""
    first, second = handlers.assemble(Translator()), handlers.assemble(Translator())
    assert [(c.fr, c.en, c.who) for c in first.commands] == [
        (c.fr, c.en, c.who) for c in second.commands
    ]
    assert first.menu == second.menu
    assert first.button_kinds == second.button_kinds
    assert len(first.handlers) == len(second.handlers)


def test_commands_have_a_french_and_an_english_name_in_their_lists() -> None:
    surface = handlers.assemble(Translator())
    fr = [c.command for c in surface.command_lists[("fr", Who.EVERYONE.value)]]
    en = [c.command for c in surface.command_lists[("en", Who.EVERYONE.value)]]
    assert "aide" in fr and "help" in en
    facilitators = [c.command for c in surface.command_lists[("fr", Who.FACILITATORS.value)]]
    assert set(fr) < set(facilitators)
