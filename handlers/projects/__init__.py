"""Common projects and the participatory budget.

- home: "💡 Projets", which leads to the rest;
- propose: the guided proposal (title, words or a voice note, cost, leading it, preview)
  and "📝 Mes propositions"; moderate: what facilitators do with a new proposal;
- board: the open projects, a page at a time, their cards, 👍 Je soutiens and
  🙋 Je participe; lifecycle: the facilitators move a project along its life;
- budget: a participant's basket in the open round; budget_admin: the facilitators'
  rounds (open one, paper votes, results, the Pabulib export).
"""

from __future__ import annotations

from bot.context import MenuEntry
from bot.i18n import N_
from handlers.capability import ButtonRoute, Capability, Command, MenuItem
from handlers.ctx import with_person
from handlers.projects import board, budget, budget_admin, home, lifecycle, moderate, propose
from handlers.projects.buttons import GO

CAPABILITY = Capability(
    name="projects",
    commands=(
        Command("projets", "projects", with_person()(home.show), N_("commands.projects")),
        Command("proposer", "propose", with_person()(propose.start), N_("commands.propose")),
    ),
    buttons=(
        ButtonRoute(GO, home.on_go),
        *propose.BUTTONS,
        *moderate.BUTTONS,
        *board.BUTTONS,
        *lifecycle.BUTTONS,
        *budget.BUTTONS,
        *budget_admin.BUTTONS,
    ),
    menu=(MenuItem(MenuEntry(N_("menu.projects")), home.show),),
    inputs=(
        *propose.INPUTS,
        *moderate.INPUTS,
        *board.INPUTS,
        *lifecycle.INPUTS,
        *budget.INPUTS,
        *budget_admin.INPUTS,
    ),
)
