"""Telementoring (Project ECHO): explicit knowledge by videoconference.

Sessions run every ``echo.interval_weeks`` during the programme (every
``followup.echo_interval_weeks`` afterwards, if kept), ``echo.session_minutes`` long, open to
all intervention staff. Topics rotate through the four domains. A share of sessions is given by
international faculty in English without translation; those transfer only
``echo.language_comprehension`` of their content.

A provider attends with chance

    base_attendance x (1 - after_hours_penalty) x (1 - connectivity_weight x (1 - connectivity))
      x (1 - busy) x (1 - resistance_weight x resistance)

and closes ``echo_explicit_rate x minutes/80 x comprehension x (1 - resistance_effect x
resistance) x receptivity x uptake x (1 + skill_primes_knowledge x skill gained)`` of the knowledge gap
in the session's topic: the facility's absorptive capacity (``uptake``, facilities.py) and the
skill the mentee has gained in the topic above their own floor (a case discussion means more to someone who has done it:
the complementarity with side-by-side coaching) raise it. Attending counts as contact
(minutes/480 of a contact day) for trust and for protection from decay.
"""

from __future__ import annotations

import numpy as np

from mentorsim.model.blocks import run_blocks
from mentorsim.model.jit import kernel

MINUTES_PER_CONTACT_DAY = 480.0  # an 8-hour working day


def session_due(model, week: int) -> bool:
    p, t = model.p, model.time
    if t.in_programme(week):
        interval = int(p["echo.interval_weeks"]) if p["echo.enabled"] else 0
    else:
        interval = int(p["followup.echo_interval_weeks"])
    return interval > 0 and week % interval == 0


@kernel
def _session(f_lo, f_hi, knowledge, skill, skill_floor, trust, resistance, busy, filled, first_post, intervention,
             connectivity, recept, uptake, u, echo_sessions, echo_offered, contact_days, reinforced,
             attended, eligible, topic, base, after_hours, conn_weight, resist_weight, resist_effect, rate,
             primes, distrust_kept, contact):
    """The session for the staff of facilities ``f_lo``..``f_hi - 1``."""
    for f in range(f_lo, f_hi):
        if not intervention[f]:
            continue
        for i in range(first_post[f], first_post[f + 1]):
            if not filled[i]:
                continue
            eligible[f] += 1.0
            echo_offered[i] += 1.0
            prob = (base * (1.0 - after_hours) * (1.0 - conn_weight * (1.0 - connectivity[f]))
                    * (1.0 - busy[i]) * (1.0 - resist_weight * resistance[i]))
            if u[i] >= prob:
                continue
            attended[f] += 1.0
            r = min(1.0, rate * (1.0 - resist_effect * resistance[i]) * recept[f, topic] * uptake[f]
                    * (1.0 + primes * max(0.0, skill[i, topic] - skill_floor[i, topic])))
            knowledge[i, topic] = 1.0 - (1.0 - knowledge[i, topic]) * (1.0 - r)
            trust[i] = 1.0 - (1.0 - trust[i]) * distrust_kept
            contact_days[i] += contact
            echo_sessions[i] += 1.0
            reinforced[i] = True


def telementoring(model, week: int) -> None:
    """Hold this week's session, if one is due."""
    if not session_due(model, week):
        return
    p, pr, fa = model.p, model.providers, model.facilities
    j = model.counters["echo_sessions"]
    model.counters["echo_sessions"] += 1
    share = p["echo.international_share"]
    international = int((j + 1) * share) > int(j * share)
    comprehension = p["echo.language_comprehension"] if international else 1.0
    minutes = p["echo.session_minutes"]
    contact = minutes / MINUTES_PER_CONTACT_DAY  # contact days for trust and decay
    attended, eligible = np.zeros(fa.n), np.zeros(fa.n)
    args = (pr.knowledge, pr.skill, pr.skill_floor, pr.trust, pr.resistance, pr.busy, pr.filled, pr.first_post,
            fa.intervention, fa.connectivity, model.recept, fa.uptake, model.streams["echo"].random(pr.n),
            pr.echo_sessions,
            pr.echo_offered, pr.contact_days, pr.reinforced, attended, eligible, j % 4,
            p["echo.base_attendance"], p["echo.after_hours_penalty"], p["echo.connectivity_weight"],
            p["echo.resistance_weight"], p["learning.resistance_effect"],
            p["learning.echo_explicit_rate"] * (minutes / 80.0) * comprehension,
            p["learning.skill_primes_knowledge"],
            (1.0 - min(1.0, p["learning.trust_rate"] * p["mentors.hub_mentoring_skill"])) ** contact,
            contact)
    run_blocks(_session, model.blocks, *args)
    model.record.echo(week, attended, eligible)
