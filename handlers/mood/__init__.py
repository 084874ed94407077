"""Mood check-ins: one tap on a face, private by design, a picture of my weeks, and care.

The screens, in the order a person meets them:
- checkin: the faces (under the prompt after a session, or "🙂 Mon humeur"), the mood
  consent the first time, then one optional word and "Partager avec l'équipe ?";
- care: the offer of a call or a message after the lowest face, with the 3114 and the 15;
- mine: "📈 Mes semaines" (a picture) and "🔒 Mes réponses" (erasing everything at once);
- wellbeing: the optional WHO-5 questionnaire every two weeks;
- group: what facilitators see, group figures only (at least 5 people).
"""

from __future__ import annotations

from bot.callback_data import MOOD_FACE
from bot.context import MenuEntry
from bot.i18n import N_
from handlers.capability import ButtonRoute, Capability, Command, Input, MenuItem, Who
from handlers.ctx import with_person
from handlers.mood import care, checkin, group, mine, wellbeing
from handlers.mood.buttons import (
    CONSENT,
    GROUP_NOTES,
    GROUP_SESSION,
    MINE,
    SHARE,
    SKIP_WORD,
    WEEKS,
    WITHDRAW,
)
from handlers.mood.steps import WORD

CAPABILITY = Capability(
    name="mood",
    commands=(Command("humeur", "mood", with_person()(checkin.show), N_("commands.mood")),),
    buttons=(
        ButtonRoute(MOOD_FACE, checkin.on_face),
        ButtonRoute(CONSENT, checkin.on_consent),
        ButtonRoute(SKIP_WORD, checkin.on_skip),
        ButtonRoute(SHARE, checkin.on_share),
        ButtonRoute(WEEKS, mine.on_weeks),
        ButtonRoute(MINE, mine.on_mine),
        ButtonRoute(WITHDRAW, mine.on_withdraw),
        *care.BUTTONS,
        *wellbeing.BUTTONS,
    ),
    menu=(MenuItem(MenuEntry(N_("menu.mood")), checkin.show),),
    inputs=(
        Input(WORD, checkin.on_word_text, checkin.on_word_media),
        *care.INPUTS,
        *wellbeing.INPUTS,
    ),
)

# The facilitators' view has its own place in the menu, after their everyday tools.
GROUP_VIEW = Capability(
    name="group_mood",
    commands=(
        Command(
            "humeur_groupe",
            "group_mood",
            with_person(facilitator_only=True)(group.show),
            N_("commands.group_mood"),
            who=Who.FACILITATORS,
        ),
    ),
    buttons=(
        ButtonRoute(GROUP_SESSION, group.on_session, facilitators_only=True),
        ButtonRoute(GROUP_NOTES, group.on_notes, facilitators_only=True),
    ),
    menu=(MenuItem(MenuEntry(N_("menu.group_mood"), facilitators_only=True), group.show),),
)
