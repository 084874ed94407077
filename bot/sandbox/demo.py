"""Demo data for the sandbox's first start, and the moments the clock buttons jump to.

Ten weeks of a workshop's life are told through the real services, each step at the
moment it happened: Claire creates a weekly "Art-thérapie" and links the group, people
answer, come (or not), check in their mood after the session, propose and support
projects; a budget round is open. So every screen has something to show, and the rules
(who sees a mood figure, who gets a reminder) are the production ones. Two shortcuts,
for a first start well under 3 s: the answers of a past session go in as one batch of
taps (rsvp.respond_many), and the check-ins and WHO-5 scores of the past are written as
rows at the end (mood.record takes a savepoint for each, a second in all).

Choices:
- Karim has no row at all: he is the persona a visitor onboards ("/start").
- Nadia (French), John (English) and Claire (the facilitator) are onboarded. When the
  application runs, each of them opens the bot ("/start") so their chat shows the menu.
- Eight more people without a persona (Telegram ids 5001 to 5008) make the group real:
  a mood figure needs 5 people. The stand-in knows them (`add_demo_people`), so the
  reminders and prompts they get are delivered like anyone's.
- The next session is 2 days ahead at 14 h: its day-before reminder is always to come.
  Claire's announcement waits for that morning; a budget round ends a week after.
- The demo starts quiet: what the services queued while the past was told (a project
  published, the round opened, the proposal sent for review) is cancelled, not sent.

`seed` writes everything in one transaction, so the scheduler's jobs (which wait for it)
never see half a story, and it does nothing on a database that has people already.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translator
from bot.models import (
    Answer,
    CheckIn,
    ContentType,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxState,
    Person,
    ProjectStatus,
    RoundProject,
    Series,
    SupportKind,
    WellbeingCheck,
)
from bot.sandbox.core import GROUP_ID, Sandbox
from bot.services import (
    broadcasts,
    budget,
    calendar,
    mood,
    outbox,
    people,
    project_board,
    project_life,
    projects,
    reminders,
    rsvp,
    wellbeing,
)
from bot.services.broadcasts import Audience, Content
from bot.services.calendar import SeriesInput
from bot.services.names import TITLE_KEYS
from bot.services.projects import Decision, ProposalInput
from bot.services.recurrence import local_to_utc
from scheduler import mood as mood_jobs
from scheduler import reminders as reminder_jobs

START_TIME = time(14, 0)
DURATION_MINUTES = 120
CAPACITY = 12
PLACE = "Maison de quartier, Fontaine d'Ouche"
DESCRIPTION = "🎨 On peint, on dessine, on colle.\n🙂 Pas besoin de savoir dessiner."
ART = TITLE_KEYS[0]  # "cal.quick_art": Art-thérapie, Art therapy
WEEKS_OF_HISTORY = 10
DAYS_TO_NEXT_SESSION = 2
# Moving to a moment a little after the one a job waits for: the job has run by then.
AFTER_REMINDER = timedelta(seconds=2)
AFTER_PROMPT = timedelta(seconds=5)
GROUP_WELCOME = (
    "👋 Bienvenue dans le groupe de l'atelier !\n🔔 Ici, le bot rappelle chaque séance."
)
ANNOUNCEMENT = "🎨 Cette semaine, on peint avec les doigts.\n👕 Venez avec un vieux t-shirt."


@dataclass(frozen=True)
class Member:
    """Someone who comes to the workshop: from which week, which weeks they miss."""

    key: str
    telegram_id: int
    name: str
    language: str
    first_week: int
    skips: frozenset[int] = frozenset()
    mood: int | None = 4  # their usual face; None: they said no to mood check-ins
    mid_week: tuple[int, ...] = ()  # days after a session they check in again


# Nadia and John are personas; the others only make the group real. Every session of the
# past has at least 5 people who check in their mood, so its figure can be shown.
MEMBERS: tuple[Member, ...] = (
    Member("nadia", 1001, "Nadia", "fr", 0, frozenset({3}), mood=3, mid_week=(2, 4)),
    Member("john", 1003, "John", "en", 5, frozenset({7}), mood=4),
    Member("fatima", 5001, "Fatima", "fr", 0, frozenset({4}), mood=4, mid_week=(3,)),
    Member("lucas", 5002, "Lucas", "fr", 0, frozenset({2, 7}), mood=3, mid_week=(3,)),
    Member("sophie", 5003, "Sophie", "fr", 0, frozenset({5}), mood=4, mid_week=(3,)),
    Member("mehdi", 5004, "Mehdi", "fr", 0, frozenset({1, 8}), mood=3, mid_week=(3,)),
    Member("aicha", 5005, "Aïcha", "fr", 1, frozenset({6}), mood=4),
    Member("paul", 5006, "Paul", "fr", 0, frozenset({3, 9}), mood=None),
    Member("yasmine", 5007, "Yasmine", "fr", 4, mood=5),
    Member("bernard", 5008, "Bernard", "fr", 6, frozenset({8}), mood=3),
)
# Nadia's faces after each session: a picture that gets better over the weeks.
NADIA_SESSIONS = (2, 3, 3, 3, 3, 4, 3, 4, 4, 5)
EXTRA_MEMBERS = tuple(m for m in MEMBERS if m.telegram_id >= 5000)
# Who fills the WHO-5 every two weeks (5 people or more: the team sees a monthly average).
WELLBEING = ("nadia", "fatima", "lucas", "sophie", "mehdi", "aicha")
NOTES: dict[tuple[str, int], tuple[str, bool]] = {
    ("nadia", 6): ("Fatiguée, mais contente d'être venue.", False),
    ("nadia", 8): ("J'ai aimé peindre avec les autres.", True),
    ("sophie", 9): ("Merci pour l'accueil.", True),
}


@dataclass(frozen=True)
class Idea:
    """A demo project: who proposes it, what it costs, who supports and joins it."""

    key: str
    author: str
    title: str
    description: str
    cost_euros: int
    days_ago: int  # when it was proposed; published the day after
    supporters: tuple[str, ...] = ()
    volunteers: tuple[str, ...] = ()
    leads: bool = False
    published: bool = True


IDEAS: tuple[Idea, ...] = (
    Idea(
        "mural",
        "fatima",
        "Une fresque dans le hall",
        "🎨 Peindre ensemble le mur du hall.\n🏠 L'entrée sera plus belle.",
        120,
        60,
        supporters=("nadia", "lucas", "mehdi", "paul", "sophie"),
        volunteers=("fatima", "nadia", "lucas", "mehdi"),
        leads=True,
    ),
    Idea(
        "garden",
        "nadia",
        "Un jardin partagé",
        "🌱 Des bacs de fleurs et de légumes devant la maison de quartier.\n"
        "🤝 On jardine ensemble le samedi matin.",
        300,
        25,
        supporters=("fatima", "lucas", "sophie", "mehdi", "aicha", "john", "yasmine"),
        volunteers=("lucas", "yasmine"),
        leads=True,
    ),
    Idea(
        "museum",
        "sophie",
        "Une sortie au musée",
        "🖼️ Aller ensemble au musée des Beaux-Arts.\n🚌 Le bus et le goûter sont payés.",
        150,
        20,
        supporters=("nadia", "paul", "aicha", "bernard"),
        volunteers=("paul",),
    ),
    Idea(
        "cooking",
        "mehdi",
        "Un atelier cuisine du monde",
        "🍲 Chacun montre un plat de chez lui.\n🍽️ Ensuite, on mange ensemble.",
        250,
        16,
        supporters=("fatima", "nadia", "sophie"),
        volunteers=("fatima", "aicha"),
    ),
    Idea(
        "reading",
        "john",
        "A reading corner for children",
        "📚 Some shelves and cushions in the hall.\n👧 Children read while parents paint.",
        80,
        1,
        published=False,
    ),
)
ROUND_AMOUNT_EUROS = 500
ROUND_PROJECTS = ("garden", "museum", "cooking")
# Confirmed baskets; Nadia's stays unconfirmed (she is reminded before the round ends).
BASKETS: dict[str, tuple[str, ...]] = {
    "fatima": ("garden", "museum"),
    "lucas": ("garden", "museum"),
    "sophie": ("museum", "cooking"),
    "mehdi": ("cooking", "museum"),
    "john": ("garden",),
}
UNCONFIRMED_BASKETS: dict[str, tuple[str, ...]] = {"nadia": ("garden",)}
PAPER_VOTES = {"museum": 3}
# Answers for the coming sessions: (member, weeks after the next one, answer, +1).
COMING: tuple[tuple[str, int, Answer, bool], ...] = (
    ("fatima", 0, Answer.YES, False),
    ("nadia", 0, Answer.YES, False),
    ("mehdi", 0, Answer.YES, True),
    ("lucas", 0, Answer.YES, False),
    ("yasmine", 0, Answer.YES, False),
    ("john", 0, Answer.MAYBE, False),
    ("sophie", 0, Answer.MAYBE, False),
    ("paul", 0, Answer.NO, False),
    ("nadia", 1, Answer.YES, False),
    ("fatima", 1, Answer.YES, False),
)


@dataclass
class Story:
    """What the telling of the past shares: the transaction, the time, the people."""

    session: AsyncSession
    settings: Settings
    translator: Translator
    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    people: dict[str, Person] = field(default_factory=dict)
    check_ins: list[CheckIn] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local wall-clock moment, in UTC."""
        return local_to_utc(day, time(hour, minute), self.tz)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def face(self, usual: int) -> int:
        """A face near the usual one (never the lowest: it would call for care)."""
        return max(2, min(5, usual + self.rng.choice((-1, 0, 0, 1))))


# --- the fake Telegram side -------------------------------------------------------------


def add_demo_people(sandbox: Sandbox) -> None:
    """The people without a persona exist for the stand-in, so messages to them arrive.

    The stand-in keeps nothing across restarts: call this on every start of a sandbox
    whose database holds the demo, not only on the first.
    """
    for member in EXTRA_MEMBERS:
        user = sandbox.fake.user(member.telegram_id, member.name, language_code=member.language)
        sandbox.group.add_member(user)
    for persona in sandbox.personas.values():
        sandbox.group.add_member(persona.user)
    sandbox.group.add_member(sandbox.personas["claire"].user, "administrator")


async def _open_chats(sandbox: Sandbox) -> None:
    """Claire adds the bot to the group and says hello; the onboarded open the bot."""
    claire = sandbox.personas["claire"].user
    await sandbox.group.add_bot(by=claire)
    await sandbox.group.send(claire, GROUP_WELCOME)
    if not sandbox.app.running:
        return  # nobody would answer: the updates would only wait in the stand-in
    for key in ("nadia", "john", "claire"):
        await sandbox.personas[key].user.send("/start")


# --- people -------------------------------------------------------------------------------


async def _join(
    story: Story, key: str, telegram_id: int, name: str, lang: str, at: datetime
) -> Person:
    person = await people.touch_person(
        story.session,
        telegram_id=telegram_id,
        first_name=name,
        language=lang,
        now=at,
        facilitator_ids=story.settings.facilitator_ids,
    )
    await people.give_consent(story.session, person, now=at + timedelta(minutes=2))
    story.people[key] = person
    return person


# --- the workshop's past -------------------------------------------------------------------


async def _create_workshop(story: Story, first_day: date) -> Series:
    claire = story.people["claire"]
    created = story.at(first_day - timedelta(days=8), 10)
    series = await calendar.create_series(
        story.session,
        data=SeriesInput(
            title=story.translator.t(ART, claire.language),
            title_key=ART,
            place=PLACE,
            description=DESCRIPTION,
            weekday=first_day.weekday(),
            start_time=START_TIME,
            duration_minutes=DURATION_MINUTES,
            first_date=first_day,
            capacity=CAPACITY,
        ),
        creator=claire,
        now=created,
        tz=story.tz,
    )
    # /lier in the group, the same morning: the group's posts are in French.
    await calendar.link_group(
        story.session,
        series_id=series.id,
        chat_id=GROUP_ID,
        by=claire,
        now=created + timedelta(hours=1),
        language="fr",
    )
    return series


async def _session_on(story: Story, series: Series, day: date) -> Occurrence:
    found = await story.session.scalar(
        select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.local_date == day)
    )
    assert found is not None, f"no session on {day}"
    return found


async def _check_in(
    story: Story,
    member: Member,
    face: int,
    at: datetime,
    occurrence_id: int | None = None,
    note: tuple[str, bool] | None = None,
) -> None:
    """A face (with a word, shared or not), as "🙂 Mon humeur" or the prompt keeps it;
    the rows are written together at the end (see the module's docstring)."""
    person = story.people[member.key]
    if not person.mood_consented:
        await mood.give_consent(story.session, person=person, now=at - timedelta(minutes=1))
    words, shared = note if note is not None else (None, False)
    story.check_ins.append(
        CheckIn(
            person_id=person.id,
            local_date=story.local_day(at),
            mood=face,
            occurrence_id=occurrence_id,
            note=words,
            shared=shared,
            created_at=at,
            updated_at=at + timedelta(minutes=2) if words else at,
        )
    )


async def _past_session(story: Story, occurrence: Occurrence, week: int) -> None:
    """Answers the day before, attendance after, then the mood check-ins that evening."""
    session = story.session
    day = occurrence.local_date
    members = [m for m in MEMBERS if m.first_week <= week]
    came = [m for m in members if week not in m.skips]
    taps = []
    for index, member in enumerate(members):
        comes = member in came
        if comes and index % 4 == 3:
            answer = Answer.MAYBE
        elif comes or (member.telegram_id + week) % 2:
            answer = Answer.YES  # an empty chair too, now and then
        else:
            answer = Answer.NO
        taps.append(rsvp.Tap(occurrence.id, story.people[member.key].id, answer))
    # The answers as a batch of taps (one lock and one read of the session), the day before.
    outcomes = await rsvp.respond_many(session, taps, now=story.at(day - timedelta(days=1), 11))
    assert all(isinstance(o, rsvp.Outcome) for o in outcomes), outcomes
    taken = occurrence.ends_at + timedelta(minutes=5)
    for member in came:
        await rsvp.mark_present(
            session, occurrence_id=occurrence.id, person_id=story.people[member.key].id, now=taken
        )
    await rsvp.add_walk_ins(session, occurrence_id=occurrence.id, delta=1 + week % 3, now=taken)
    cfg = reminder_jobs.settings_of(story.settings)
    times = reminders.reminder_times(occurrence.starts_at, cfg)
    delay = timedelta(minutes=story.settings.mood_prompt_delay_minutes)
    # Their reminders and mood prompts went out at the time (the rows are not kept here).
    occurrence.day_before_sent_at = times[reminders.DAY_BEFORE]
    occurrence.hours_before_sent_at = times[reminders.HOURS_BEFORE]
    occurrence.mood_prompted_at = occurrence.ends_at + delay
    for index, member in enumerate(came):
        at = occurrence.ends_at + delay + timedelta(minutes=5 + 7 * index)
        if member.mood is None:
            if week == 7:
                await mood.decline(session, person=story.people[member.key], now=at)
            continue
        face = NADIA_SESSIONS[week] if member.key == "nadia" else story.face(member.mood)
        await _check_in(story, member, face, at, occurrence.id, NOTES.get((member.key, week)))


async def _mid_week(story: Story, session_day: date, week: int) -> None:
    """Check-ins on days without a session (from "🙂 Mon humeur"), never today."""
    for member in MEMBERS:
        if member.first_week > week or member.mood is None:
            continue
        for offset in member.mid_week:
            day = session_day + timedelta(days=offset)
            if day >= story.today:
                continue
            at = story.at(day, 19, story.rng.randrange(60))
            usual = NADIA_SESSIONS[week] if member.key == "nadia" else member.mood
            await _check_in(story, member, story.face(usual), at)


async def _wellbeing(story: Story) -> None:
    """The WHO-5 every two weeks, the last one 3 days ago."""
    days = [story.today - timedelta(days=3 + 14 * i) for i in range(5)]
    for key in WELLBEING:
        person = story.people[key]
        consent = person.mood_consent_at
        assert consent is not None
        mine = sorted(d for d in days if story.at(d, 11) > consent)
        if not mine:
            continue
        await wellbeing.opt_in(story.session, person=person, now=story.at(mine[0], 10, 55))
        level = 3 if key != "nadia" else 2
        for i, day in enumerate(mine):
            # Nadia's well-being rises with her moods.
            step = min(5, level + (i // 2 if key == "nadia" else 0))
            answers = [max(0, min(5, step + story.rng.choice((-1, 0, 1)))) for _ in range(5)]
            # Only the score is kept, as wellbeing.record does (written in one go).
            story.session.add(
                WellbeingCheck(
                    person_id=person.id,
                    local_date=day,
                    score=wellbeing.score(answers),
                    created_at=story.at(day, 11),
                )
            )
        person.wellbeing_prompted_at = story.at(mine[-1], 10, 30)


# --- projects and the budget ----------------------------------------------------------------


async def _projects(story: Story) -> dict[str, int]:
    """Proposed, checked by Claire, supported and joined; returns the project ids."""
    session = story.session
    claire = story.people["claire"]
    ids: dict[str, int] = {}
    for idea in IDEAS:
        proposed = story.at(story.today - timedelta(days=idea.days_ago), 20)
        project = await projects.submit(
            session,
            author=story.people[idea.author],
            proposal=ProposalInput(
                title=idea.title,
                description=idea.description,
                cost_cents=idea.cost_euros * 100,
                leads=idea.leads,
            ),
            now=proposed,
            translator=story.translator,
        )
        ids[idea.key] = project.id
        if not idea.published:
            continue  # waiting for the facilitators: "🛠️ À valider" has it
        published = proposed + timedelta(hours=14)
        await projects.review(
            session,
            project_id=project.id,
            decision=Decision.PUBLISH,
            reason=None,
            by=claire,
            now=published,
            translator=story.translator,
        )
        taps = [(k, SupportKind.SUPPORT) for k in idea.supporters] + [
            (k, SupportKind.VOLUNTEER) for k in idea.volunteers
        ]
        for i, (key, kind) in enumerate(taps):
            await project_board.toggle(
                session,
                project_id=project.id,
                person_id=story.people[key].id,
                kind=kind,
                now=published + timedelta(hours=2 + 5 * i),
                want=True,
            )
    # The mural was chosen by the team and the painting has started.
    mural = next(i for i in IDEAS if i.key == "mural")
    chosen = story.at(story.today - timedelta(days=mural.days_ago - 14), 17)
    for step, status in enumerate((ProjectStatus.SELECTED, ProjectStatus.IN_PROGRESS)):
        await project_life.change_status(
            session,
            project_id=ids["mural"],
            status=status,
            by=claire,
            note=None,
            now=chosen + timedelta(days=14 * step),
            translator=story.translator,
        )
    return ids


async def _budget(
    story: Story, project_ids: dict[str, int], opened: datetime, ends: datetime
) -> None:
    """A round opened at the last session; most baskets confirmed, Nadia's not yet."""
    session = story.session
    claire = story.people["claire"]
    costs = {project_ids[i.key]: i.cost_euros * 100 for i in IDEAS if i.key in ROUND_PROJECTS}
    budget_round = await budget.open_round(
        session,
        amount_cents=ROUND_AMOUNT_EUROS * 100,
        project_costs=costs,
        ends_at=ends,
        by=claire,
        now=opened,
        translator=story.translator,
        tz=story.tz,
    )
    rows = await session.scalars(
        select(RoundProject).where(RoundProject.round_id == budget_round.id)
    )
    line_of = {row.project_id: row.id for row in rows}
    for key, votes in PAPER_VOTES.items():
        await budget.set_paper_votes(
            session,
            round_id=budget_round.id,
            round_project_id=line_of[project_ids[key]],
            votes=votes,
            by=claire,
            now=opened + timedelta(minutes=10),
        )
    chosen = [(k, v, True) for k, v in BASKETS.items()] + [
        (k, v, False) for k, v in UNCONFIRMED_BASKETS.items()
    ]
    # The ➕ taps as one batch (as the basket writer groups taps), then each person's ✅.
    span = (story.now - opened) / (len(chosen) + 2)
    changes = [
        budget.Change(budget_round.id, story.people[key].id, line_of[project_ids[pick]], True)
        for key, picks, _confirmed in chosen
        for pick in picks
    ]
    added = await budget.change_many(session, changes, now=opened + span)
    assert all(outcome.refusal is None for outcome in added), added
    for i, (key, _picks, confirmed) in enumerate(chosen):
        if confirmed:
            done = await budget.confirm(
                session,
                round_id=budget_round.id,
                person_id=story.people[key].id,
                now=opened + span * (i + 2),
            )
            assert done.refusal is None, done


# --- the coming days ---------------------------------------------------------------------------


async def _coming(story: Story, series: Series, next_day: date) -> None:
    for i, (key, weeks, answer, plus_one) in enumerate(COMING):
        occurrence = await _session_on(story, series, next_day + timedelta(weeks=weeks))
        await rsvp.respond(
            story.session,
            occurrence_id=occurrence.id,
            person=story.people[key],
            answer=answer,
            plus_one=plus_one,
            now=story.now - timedelta(hours=40 - 3 * i),
        )


async def _announcement(story: Story, next_day: date) -> None:
    """Claire's message for the morning of the next session, waiting for its time."""
    claire = story.people["claire"]
    assert claire.telegram_id is not None
    await broadcasts.create_broadcast(
        story.session,
        creator=claire,
        content=Content(ContentType.TEXT, (ANNOUNCEMENT,)),
        audience=Audience.FRENCH,
        send_at=story.at(next_day, 10),
        urgent=False,
        request_key="sandbox-demo-announcement",
        report_chat_id=claire.telegram_id,
        now=story.now - timedelta(hours=1),
        translator=story.translator,
    )


async def _quiet(session: AsyncSession) -> None:
    """What the services queued while the past was told never goes out."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.PENDING)
        .values(state=OutboxState.CANCELLED, last_error="sandbox demo: the past is not sent")
    )


async def _tell(story: Story) -> None:
    next_day = story.today + timedelta(days=DAYS_TO_NEXT_SESSION)
    first_day = next_day - timedelta(weeks=WEEKS_OF_HISTORY)
    await _join(story, "claire", 1000, "Claire", "fr", story.at(first_day - timedelta(days=9), 9))
    series = await _create_workshop(story, first_day)
    for week in range(WEEKS_OF_HISTORY):
        day = first_day + timedelta(weeks=week)
        # The hourly job writes sessions ahead; here once a week is enough.
        await calendar.materialize(
            story.session, series, now=story.at(day - timedelta(days=6), 3), tz=story.tz
        )
        for member in MEMBERS:
            if member.first_week == week:
                joined = story.at(day - timedelta(days=5), 18, member.telegram_id % 50)
                await _join(
                    story, member.key, member.telegram_id, member.name, member.language, joined
                )
        await _past_session(story, await _session_on(story, series, day), week)
        await _mid_week(story, day, week)
    story.session.add_all(story.check_ins)
    await calendar.materialize(story.session, series, now=story.now, tz=story.tz)
    await _wellbeing(story)
    project_ids = await _projects(story)
    last_session = await _session_on(story, series, next_day - timedelta(weeks=1))
    await _budget(
        story,
        project_ids,
        opened=last_session.ends_at + timedelta(minutes=30),
        ends=story.at(next_day + timedelta(weeks=1), 18),
    )
    await _coming(story, series, next_day)
    await _announcement(story, next_day)
    await _quiet(story.session)


async def seed(sandbox: Sandbox) -> None:
    """A workshop with its next sessions, a past one with attendance, moods, projects."""
    add_demo_people(sandbox)
    rt = sandbox.rt
    async with rt.db.transaction() as session:
        if await session.scalar(select(func.count()).select_from(Person)):
            return  # not a new database: the demo was told already (or real use began)
        await _tell(Story(session, sandbox.settings, rt.translator, now=sandbox.clock.now()))
    await _open_chats(sandbox)


# --- where the clock buttons go --------------------------------------------------------------


async def next_reminder(sandbox: Sandbox) -> datetime | None:
    """When the next session reminder leaves (day-before or hours-before), a moment after."""
    now = sandbox.clock.now()
    cfg = reminder_jobs.settings_of(sandbox.settings)
    async with sandbox.rt.db.transaction() as session:
        coming = list(
            await session.scalars(
                select(Occurrence)
                .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_at > now)
                .order_by(Occurrence.starts_at)
                .limit(10)
            )
        )
    moments: list[datetime] = []
    for occurrence in coming:
        times = reminders.reminder_times(occurrence.starts_at, cfg)
        for kind, done in (
            (reminders.DAY_BEFORE, occurrence.day_before_sent_at),
            (reminders.HOURS_BEFORE, occurrence.hours_before_sent_at),
        ):
            due = times[kind]
            # A reminder due before the session had its time is never sent (it was moved).
            if done is None and due > now and occurrence.scheduled_at <= due:
                moments.append(reminders.leaves_at(due, cfg))
    return min(moments) + AFTER_REMINDER if moments else None


async def after_next_session(sandbox: Sandbox) -> datetime | None:
    """When the mood prompts of the current or next session leave, a moment after."""
    now = sandbox.clock.now()
    cfg = mood_jobs.prompt_settings(sandbox.settings)
    async with sandbox.rt.db.transaction() as session:
        ends_at = await session.scalar(
            select(Occurrence.ends_at)
            .where(
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                Occurrence.mood_prompted_at.is_(None),
                Occurrence.ends_at > now - cfg.delay,
            )
            .order_by(Occurrence.ends_at)
            .limit(1)
        )
    if ends_at is None:
        return None
    leaves = outbox.leaves_at(ends_at + cfg.delay, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    return leaves + AFTER_PROMPT
