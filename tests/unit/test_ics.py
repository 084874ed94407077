"""The .ics export, written with the icalendar library: structure, escaping, folding and line
endings, read back by a tiny parser (and by the library itself); the file's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.models import Occurrence, OccurrenceStatus
from bot.services.ics import IcsEvent, calendar_file, clean_text, event_of, file_name

NOW = datetime(2026, 11, 24, 9, 0, 5, 123456, tzinfo=UTC)
START = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)

Property = tuple[str, str]


def unfold(data: bytes) -> list[str]:
    """Split on CRLF and join continuation lines (RFC 5545 3.1), at the octet level."""
    assert data.endswith(b"\r\n")
    physical = data[: -len(b"\r\n")].split(b"\r\n")
    logical: list[bytes] = []
    for line in physical:
        if line.startswith(b" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse(data: bytes) -> list[Property]:
    """(name, raw value) pairs; none of our properties carry parameters."""
    pairs = []
    for line in unfold(data):
        name, _, value = line.partition(":")
        pairs.append((name, value))
    return pairs


def components(props: list[Property], kind: str) -> list[dict[str, str]]:
    """The direct properties of each component `kind` (nested components skipped)."""
    found: list[dict[str, str]] = []
    depth = 0
    current: dict[str, str] | None = None
    for name, value in props:
        if name == "BEGIN" and value == kind:
            current, depth = {}, 0
        elif current is not None and name == "BEGIN":
            depth += 1
        elif current is not None and name == "END" and depth:
            depth -= 1
        elif current is not None and name == "END" and value == kind:
            found.append(current)
            current = None
        elif current is not None and depth == 0:
            current[name] = value
    return found


def event(n: int = 1, **changes: object) -> IcsEvent:
    values: dict[str, object] = {
        "uid": f"occurrence-{n}@miroir",
        "start_utc": START + timedelta(weeks=n - 1),
        "end_utc": START + timedelta(weeks=n - 1, hours=2),
        "title": "Miroir de soi",
        "location": "Centre social, Fontaine d'Ouche",
        "description": "Atelier estime de soi",
    }
    values.update(changes)
    return IcsEvent(**values)  # type: ignore[arg-type]


def calendar(*events: IcsEvent, name: str = "Miroir de soi") -> bytes:
    return calendar_file(uid="series-7@miroir", name=name, events=events, now=NOW)


def test_calendar_header_and_one_event_per_occurrence() -> None:
    data = calendar(event(1), event(2), event(3, cancelled=True))
    props = parse(data)
    assert props[:7] == [
        ("BEGIN", "VCALENDAR"),
        ("VERSION", "2.0"),
        ("PRODID", "-//Miroir//CCAS Dijon//FR"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("X-WR-CALNAME", "Miroir de soi"),
        ("X-WR-RELCALID", "series-7@miroir"),
    ]
    assert props[-1] == ("END", "VCALENDAR")
    events = components(props, "VEVENT")
    assert [e["UID"] for e in events] == [f"occurrence-{n}@miroir" for n in (1, 2, 3)]
    first = events[0]
    assert first["DTSTAMP"] == "20261124T090005Z"
    assert first["DTSTART"] == "20261201T130000Z"
    assert first["DTEND"] == "20261201T150000Z"
    assert events[1]["DTSTART"] == "20261208T130000Z"
    assert unescape(first["SUMMARY"]) == "Miroir de soi"
    assert unescape(first["LOCATION"]) == "Centre social, Fontaine d'Ouche"
    assert unescape(first["DESCRIPTION"]) == "Atelier estime de soi"
    assert [e["STATUS"] for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]


def test_reminder_two_hours_before_confirmed_events_only() -> None:
    props = parse(calendar(event(1), event(2, cancelled=True)))
    alarms = components(props, "VALARM")
    assert alarms == [
        {"ACTION": "DISPLAY", "DESCRIPTION": "Miroir de soi", "TRIGGER": "-PT2H"},
    ]
    # The alarm sits inside the first (confirmed) event.
    first_end = props.index(("END", "VEVENT"))
    assert props.index(("BEGIN", "VALARM")) < first_end


def test_crlf_everywhere() -> None:
    data = calendar(event(1, description="ligne 1\nligne 2\r\nligne 3\rfin"))
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"\r") == data.count(b"\r\n")


def test_text_escaping_round_trips() -> None:
    title = 'Atelier "miroir"; parole, écoute \\ soin\net suite'
    data = calendar(event(1, title=title, location="Salle 2; 1er étage, à gauche"))
    raw = components(parse(data), "VEVENT")[0]
    assert raw["SUMMARY"] == 'Atelier "miroir"\\; parole\\, écoute \\\\ soin\\net suite'
    assert unescape(raw["SUMMARY"]) == title
    assert unescape(raw["LOCATION"]) == "Salle 2; 1er étage, à gauche"
    alarm = components(parse(data), "VALARM")[0]
    assert unescape(alarm["DESCRIPTION"]) == title


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a;b", "a\\;b"),
        ("a,b", "a\\,b"),
        ("a\\b", "a\\\\b"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\nb"),
        ("a\rb", "a\\nb"),
        ("a:b", "a:b"),  # colons need no escaping in TEXT values
        ("a\x00b\x07c", "abc"),  # control characters are not allowed at all
        ("a\tb", "a\tb"),
    ],
)
def test_text_is_escaped_in_the_file(raw: str, escaped: str) -> None:
    vevent = components(parse(calendar(event(1, location=raw))), "VEVENT")[0]
    assert vevent["LOCATION"] == escaped


def test_clean_text_keeps_one_kind_of_newline_and_no_control_character() -> None:
    assert clean_text("a\r\nb\rc\nd") == "a\nb\nc\nd"
    assert clean_text("a\x00b\x07c\td") == "abc\td"


def test_long_french_description_is_folded_and_unfolds_to_the_original() -> None:
    description = (
        "Atelier « Miroir de soi » : prendre soin de son image, échanger en petit groupe, "
        "découvrir des conseils de coiffure et de maquillage. Café offert à l'accueil ; "
        "pensez à prévenir l'équipe du CCAS si vous ne pouvez pas venir. Été comme hiver, "
        "les ateliers ont lieu au centre social de la Fontaine d'Ouche à Dijon. 🌸🪞✨ Merci !"
    )
    data = calendar(event(1, description=description))
    physical = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert any(line.startswith(b" ") for line in physical)
    # Every physical line is valid UTF-8 on its own: no character was cut in half.
    for line in physical:
        line.decode("utf-8")
    raw = components(parse(data), "VEVENT")[0]["DESCRIPTION"]
    assert unescape(raw) == description


def test_folding_never_splits_a_multibyte_character() -> None:
    title = "X" * 66 + "é" * 100 + "🪞" * 40
    data = calendar(event(1, title=title))
    physical = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    for line in physical:
        line.decode("utf-8")
    assert unescape(components(parse(data), "VEVENT")[0]["SUMMARY"]) == title


def test_short_lines_are_not_folded() -> None:
    data = calendar(event(1))
    assert b"\r\nSUMMARY:Miroir de soi\r\n" in data
    assert b"\r\n " not in data


def test_the_library_reads_the_file_back() -> None:
    data = calendar(event(1), event(2, cancelled=True, url="https://maps.example.org/cs"))
    read = Calendar.from_ical(data)
    vevents = read.walk("VEVENT")
    assert [str(v["SUMMARY"]) for v in vevents] == ["Miroir de soi", "Miroir de soi"]
    assert [str(v["STATUS"]) for v in vevents] == ["CONFIRMED", "CANCELLED"]
    assert vevents[0].decoded("DTSTART") == START
    assert str(vevents[1]["URL"]) == "https://maps.example.org/cs"


def test_optional_fields_are_left_out() -> None:
    data = calendar(event(1, location=None, description=None))
    vevent = components(parse(data), "VEVENT")[0]
    assert "LOCATION" not in vevent
    assert "DESCRIPTION" not in vevent
    assert data.decode().count("DESCRIPTION:") == 1  # only the alarm's


def test_times_in_other_offsets_are_written_in_utc() -> None:
    paris = ZoneInfo("Europe/Paris")
    local = event(
        1,
        start_utc=datetime(2027, 7, 6, 14, 0, tzinfo=paris),
        end_utc=datetime(2027, 7, 6, 16, 0, tzinfo=paris),
    )
    now = datetime(2026, 11, 24, 10, 0, tzinfo=paris)
    data = calendar_file(uid="s", name="n", events=[local], now=now)
    vevent = components(parse(data), "VEVENT")[0]
    assert (vevent["DTSTART"], vevent["DTEND"], vevent["DTSTAMP"]) == (
        "20270706T120000Z",
        "20270706T140000Z",
        "20261124T090000Z",
    )


def test_calendar_name_is_escaped() -> None:
    data = calendar(event(1), name="Miroir, mardi; Dijon")
    assert ("X-WR-CALNAME", "Miroir\\, mardi\\; Dijon") in parse(data)


def test_empty_series_is_a_valid_calendar() -> None:
    props = parse(calendar())
    assert props[0] == ("BEGIN", "VCALENDAR")
    assert props[-1] == ("END", "VCALENDAR")
    assert components(props, "VEVENT") == []


@pytest.mark.parametrize(
    "bad",
    [
        [event(1, start_utc=datetime(2026, 12, 1, 13, 0))],
        [event(1, end_utc=START - timedelta(minutes=1))],
        [event(1), event(1)],
    ],
)
def test_invalid_events_are_refused(bad: list[IcsEvent]) -> None:
    with pytest.raises(ValueError):
        calendar_file(uid="s", name="n", events=bad, now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        calendar_file(uid="s", name="n", events=[event(1)], now=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Miroir de soi", "Miroir de soi.ics"),
        ("Art-thérapie", "Art-thérapie.ics"),
        ("Théâtre : la suite / fin ?", "Théâtre la suite fin.ics"),
        ('Danse "libre" <ados> | 12*3\\4', "Danse libre ados 12 3 4.ics"),
        ("Atelier.\n", "Atelier.ics"),
        ("???", "Miroir.ics"),
        ("A" * 80, "A" * 60 + ".ics"),
    ],
)
def test_the_file_is_named_after_the_workshop(title: str, name: str) -> None:
    assert file_name(title) == name


def test_a_session_as_an_event() -> None:
    occurrence = Occurrence(
        id=42,
        title="Miroir de soi",
        place="Centre social",
        description=None,
        map_url="https://maps.example.org/cs",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        status=OccurrenceStatus.CANCELLED,
    )
    assert event_of(occurrence, title="🚫 Annulé : Miroir de soi") == IcsEvent(
        uid="occurrence-42@miroir",
        start_utc=START,
        end_utc=START + timedelta(hours=2),
        title="🚫 Annulé : Miroir de soi",
        location="Centre social",
        description=None,
        cancelled=True,
        url="https://maps.example.org/cs",
    )
