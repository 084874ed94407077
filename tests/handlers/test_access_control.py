"""Access control, proven: every facilitator action refuses participants and strangers.

The table is read from the capabilities' own declarations (commands for facilitators or
groups, buttons and menu entries marked for facilitators), so a new facilitator action is
tried here without anyone adding it. Each one is tried by Ana, a participant who agreed to
the privacy notice, and by Sam, a stranger who never agreed (he never wrote before, or
only /start when he taps a button). Each must be refused kindly, with nothing changed in
the database (the outbox included: nothing enqueued) and nobody else written to.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pytest
from sqlalchemy import select

from bot.callback_data import CARE_WRITE, PROJECT_REVIEW, ButtonKind
from bot.clock import FrozenClock
from bot.context import MiroirApp
from bot.db import Database
from bot.i18n import Translator
from bot.models import Answer, Base, Person, Project, ProjectStatus, Role
from bot.sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser
from handlers import CAPABILITIES, assemble
from handlers.capability import Who
from tests import factories
from tests.unit.test_budget import open_round
from tests.utils import last_text, onboard, workshop

TR = Translator()
LANGUAGES = ("fr", "en")
ANA_ID = 201
BOB_ID = 202
SAM_ID = 301
GROUP_ID = -1001
# Every button kind is tried with each alternative of its choices, up to this many taps.
MAX_TAPS = 32

Actor = Literal["participant", "stranger"]
ACTORS: tuple[Actor, ...] = ("participant", "stranger")


@dataclass(frozen=True)
class Action:
    """One facilitator action as its declaration describes it."""

    name: str
    command: str | None = None  # "/annonce"
    in_group: bool = False
    label: str | None = None  # a menu entry's label, typed or tapped
    kind: ButtonKind | None = None


def _actions() -> list[Action]:
    surface = assemble(TR)
    found: list[Action] = []
    for command in surface.commands:
        if command.who in (Who.FACILITATORS, Who.GROUPS):
            found += [
                Action(f"/{name}", command=f"/{name}", in_group=command.who is Who.GROUPS)
                for name in command.names
            ]
    for capability in CAPABILITIES:
        found += [
            Action(f"button {route.kind.prefix}", kind=route.kind)
            for route in capability.buttons
            if route.facilitators_only
        ]
    for entry in surface.menu:
        if entry.facilitators_only:
            found += [
                Action(f"menu {entry.key} {lang}", label=TR.t(entry.key, lang))
                for lang in LANGUAGES
            ]
    return found


ACTIONS = _actions()

# What a forged argument may be: ids of the world's first rows (the past session, the
# proposed project, the round...), words the patterns choose from, a draft's token.
CANDIDATES = ("1", "2", "3", "yes", "no", "ask", "fr", "abcdef12")


def _choices(pattern: str) -> list[str]:
    """The values tried for one argument: each alternative of a plain choice ("pub|chg"),
    else the first three candidates it accepts (three ids reach the past session, the
    next one, the proposed project and the open ones, Claire and Bob)."""
    alternatives = pattern.split("|")
    plain = [a for a in alternatives if re.fullmatch(r"[A-Za-z0-9_]+", a)]
    if len(plain) != len(alternatives):
        plain += [c for c in CANDIDATES if re.fullmatch(pattern, c)][:3]
    assert plain, f"no candidate value matches {pattern!r}"
    return list(dict.fromkeys(plain))


def callback_data(kind: ButtonKind) -> list[str]:
    """Valid callback data for this kind: every combination of choices, up to MAX_TAPS."""
    combos = itertools.islice(itertools.product(*(_choices(p) for p in kind.args)), MAX_TAPS)
    return [kind.make(*combo) for combo in combos]


def test_the_table_covers_every_facilitator_action() -> None:
    """The declarations yield the actions a reader expects, and each can be forged."""
    names = {a.name for a in ACTIONS}
    assert {"/annonce", "/announce", "/calendrier", "/lier", "button pjr", "button cam"} <= names
    assert TR.t("menu.announce", "fr") in {a.label for a in ACTIONS}
    for action in ACTIONS:
        if action.kind is not None:
            assert callback_data(action.kind), action.name


def refusals(actor: Actor) -> set[str]:
    """The kind answers: this is for the facilitators, or (to a stranger) agree first.

    "This button is out of date" is not enough: a button whose draft is gone says it to a
    facilitator too, so it would not show that the role was checked."""
    keys = ["errors.facilitators_only", "group.only_facilitators"]
    if actor == "stranger":  # group actions need no consent: the role answers there
        keys += ["consent.notice", "consent.needed_toast"]
    return {TR.t(key, lang) for key in keys for lang in LANGUAGES}


async def snapshot(database: Database, actor_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted. Touching a person updates people.last_seen_at,
    and the actor's own people row may change with the visit (language, name, last seen):
    those are left out, everything else must stay as it was."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "last_seen_at"]
            query = select(*columns)
            if table.name == "people":
                query = query.where(table.c.telegram_id.is_distinct_from(actor_id))
            rows = (await session.execute(query)).all()
            tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return tables


def others_messages(fake: FakeTelegram, chat_id: int) -> dict[int, int]:
    """How many messages the bot wrote in every chat but the actor's (or the group)."""
    return {
        cid: len([m for m in chat.messages if m.from_bot])
        for cid, chat in fake.chats.items()
        if cid != chat_id
    }


async def world(database: Database, clock: FrozenClock, fake: FakeTelegram) -> None:
    """Claire's workshop with a past session, a proposed project, open projects in an
    open budget round, Bob coming to the next session: a facilitator action here would
    change something."""
    sessions = await workshop(fake, database, clock, first=date(2026, 11, 17))
    bob = await factories.person(database, clock.now(), BOB_ID, "Bob")
    await factories.answer(database, clock.now(), sessions[1], bob, Answer.YES)
    async with database.transaction() as session:
        now = clock.now()
        session.add(
            Project(
                title="Jardin partagé",
                description="Des fleurs devant la maison de quartier.",
                status=ProjectStatus.PROPOSED,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
        )
    await open_round(database, clock.now(), [400, 300])


async def actor_of(fake: FakeTelegram, actor: Actor, *, taps: bool) -> FakeUser:
    """Ana, who agreed to the privacy notice; or Sam, who never did. Sam writes first
    only when he taps: a button hangs from a message of the bot (here, /start's)."""
    if actor == "participant":
        return await onboard(fake, ANA_ID, "Ana")
    sam = fake.user(SAM_ID, "Sam")
    if taps:
        await sam.send("/start")
    return sam


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
async def test_a_facilitator_action_is_refused_kindly_and_changes_nothing(
    app: MiroirApp,
    fake: FakeTelegram,
    database: Database,
    clock: FrozenClock,
    action: Action,
    actor: Actor,
) -> None:
    """A button is tapped with every choice it carries, forged on the actor's last message."""
    await world(database, clock, fake)
    user = await actor_of(fake, actor, taps=action.kind is not None)
    group: FakeGroup | None = None
    if action.in_group:
        group = fake.group(GROUP_ID, "Atelier du mardi")
        group.add_member(user)
    where = group.id if group is not None else user.id
    kind_answers = refusals(actor)

    attempts = callback_data(action.kind) if action.kind is not None else [""]
    for data in attempts:
        before = await snapshot(database, user.id)
        others = others_messages(fake, where)
        answers = len(user.callback_answers)

        if action.command is not None and group is not None:
            await group.send(user, action.command)
            assert last_text(group) in kind_answers
        elif action.command is not None:
            await user.send(action.command)
            assert last_text(user) in kind_answers
        elif action.label is not None:
            await user.send(action.label)
            assert last_text(user) in kind_answers
        else:
            await user.press_callback(data)
            assert len(user.callback_answers) == answers + 1, f"{data}: not answered"
            said = user.callback_answers[-1].get("text")
            assert said in kind_answers, f"{data}: answered {said!r}"

        assert await snapshot(database, user.id) == before, f"{action.name} {data} changed data"
        assert others_messages(fake, where) == others, f"{action.name} {data} wrote to others"


# --- the role is read again when a conversation goes on --------------------------------

ZOE_ID = 9002  # a facilitator by her role in the database only (not in FACILITATOR_IDS)
# Facilitator conversations whose typed answer is the action itself: the button that
# starts each one, for the proposed project and for Bob, and what Zoé then types.
TYPED_ACTIONS: dict[str, tuple[Callable[[int, int], str], str]] = {
    "refusal reason": (lambda project, bob: PROJECT_REVIEW.make("ref", project), "Hors sujet."),
    "care message": (lambda project, bob: CARE_WRITE.make(bob), "Je vous appelle demain."),
}


@pytest.mark.parametrize("name", TYPED_ACTIONS)
async def test_a_facilitator_demoted_in_a_conversation_cannot_finish_it(
    app: MiroirApp, fake: FakeTelegram, database: Database, clock: FrozenClock, name: str
) -> None:
    """What she types runs only if she is a facilitator at that moment."""
    start, typed = TYPED_ACTIONS[name]
    await world(database, clock, fake)
    await factories.person(database, clock.now(), ZOE_ID, "Zoé", facilitator=True)
    zoe = fake.user(ZOE_ID, "Zoé")
    await zoe.send("/menu")
    async with database.transaction() as session:
        project = await session.scalar(
            select(Project.id).where(Project.status == ProjectStatus.PROPOSED)
        )
        bob = await session.scalar(select(Person.id).where(Person.telegram_id == BOB_ID))
    assert project is not None and bob is not None
    await zoe.press_callback(start(project, bob))
    asked = last_text(zoe)  # the bot asks her to type the reason, or the message

    async with database.transaction() as session:
        row = await session.scalar(select(Person).where(Person.telegram_id == ZOE_ID))
        assert row is not None
        row.role = Role.PARTICIPANT
    before = await snapshot(database, ZOE_ID)
    others = others_messages(fake, ZOE_ID)
    await zoe.send(typed)

    assert last_text(zoe) != asked
    assert last_text(zoe) in refusals("participant")
    assert await snapshot(database, ZOE_ID) == before
    assert others_messages(fake, ZOE_ID) == others
