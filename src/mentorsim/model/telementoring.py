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

from collections import namedtuple

import numpy as np

from mentorsim.model.blocks import run_blocks
from mentorsim.model.counters import ECHO_SESSIONS
from mentorsim.model.jit import kernel
from mentorsim.model.kernel_args import coef_record, run_list, state_tuple
from mentorsim.model.pcg import advance, fill_facilities

MINUTES_PER_CONTACT_DAY = 480.0  # an 8-hour working day


def session_due(model, week: int) -> bool:
    """True if a session is held in ``week``: every ``echo.interval_weeks`` in the programme
    (if ECHO is enabled), every ``followup.echo_interval_weeks`` after it (weeks counted from 0)."""
    p, t = model.p, model.time
    if t.in_programme(week):
        interval = int(p["echo.interval_weeks"]) if p["echo.enabled"] else 0
    else:
        interval = int(p["followup.echo_interval_weeks"])
    return interval > 0 and week % interval == 0


def session_weeks(p, time) -> frozenset[int]:
    """The weeks :func:`session_due` holds a session in, for the whole run (``time``: the run's
    timeline.TimeAxis), as ranges instead of a test a week."""
    weeks: list[int] = []
    interval = int(p["echo.interval_weeks"]) if p["echo.enabled"] else 0
    if interval > 0:
        weeks += range(0, time.programme_weeks, interval)
    interval = int(p["followup.echo_interval_weeks"])
    if interval > 0:
        first = -(-time.programme_weeks // interval) * interval  # the first multiple in the follow-up
        weeks += range(first, time.total_weeks, interval)
    return frozenset(weeks)


#: The coefficients of a session, each with the parameter it comes from (the kernel reads them
#: by name: ``k = coef[0]; k.base_attendance``).
ECHO_COEF = {
    "base_attendance": "echo.base_attendance",
    "after_hours_penalty": "echo.after_hours_penalty",
    "connectivity_weight": "echo.connectivity_weight",
    "resistance_weight": "echo.resistance_weight",
    "resistance_effect": "learning.resistance_effect",
    "skill_primes": "learning.skill_primes_knowledge",
    "explicit_rate": "learning.echo_explicit_rate x echo.session_minutes / 80 (a session understood in full)",
    "distrust_kept": "(1 - learning.trust_rate x mentors.hub_mentoring_skill) ^ contact_days: the distrust a "
                     "session leaves",
    "contact_days": "echo.session_minutes / MINUTES_PER_CONTACT_DAY",
}


def echo_coefficients(p) -> np.ndarray:
    """ECHO_COEF's values (chances, shares of a gap, contact days) as a one-element record
    (kernel_args.coef_record)."""
    minutes = p["echo.session_minutes"]
    contact = minutes / MINUTES_PER_CONTACT_DAY  # contact days for trust and decay
    values = {name: p[key] for name, key in ECHO_COEF.items() if key in p}
    values["explicit_rate"] = p["learning.echo_explicit_rate"] * (minutes / 80.0)
    values["distrust_kept"] = (1.0 - min(1.0, p["learning.trust_rate"] * p["mentors.hub_mentoring_skill"])) ** contact
    values["contact_days"] = contact
    return coef_record(ECHO_COEF, values)


@kernel
def _session(f_lo, f_hi, state, coef, rng, u, topic, comprehension, attended, eligible):
    """The session for the staff of facilities ``f_lo``..``f_hi - 1``. ``state``:
    kernel_args.state_of; ``coef``: echo_coefficients; ``rng`` the ``echo`` stream's state
    (pcg.words), from which the uniforms of the block's intervention facilities' posts, one a
    post, are drawn into ``u`` [post] as the week's draws at those posts (pcg.fill_facilities;
    the caller then moves the stream past every post's); ``topic`` the session's domain;
    ``comprehension`` the share of its content understood; ``attended`` and ``eligible`` [n_fac]
    counts, added to."""
    pr, fa = state[0]
    fill_facilities(rng, u, pr.first_post, fa.intervention, f_lo, f_hi)  # the staff invited
    k = coef[0]
    rate = k.explicit_rate * comprehension
    knowledge, trust = pr.knowledge, pr.trust
    for f in range(f_lo, f_hi):
        if not fa.intervention[f]:
            continue
        for i in range(pr.first_post[f], pr.first_post[f + 1]):
            if not pr.filled[i]:
                continue
            eligible[f] += 1.0
            pr.echo_offered[i] += 1.0
            prob = (k.base_attendance * (1.0 - k.after_hours_penalty)
                    * (1.0 - k.connectivity_weight * (1.0 - fa.connectivity[f]))
                    * (1.0 - pr.busy[i]) * (1.0 - k.resistance_weight * pr.resistance[i]))
            if u[i] >= prob:
                continue
            attended[f] += 1.0
            gained = max(0.0, pr.skill[i, topic] - pr.skill_floor[i, topic])  # the complementarity
            r = min(1.0, rate * (1.0 - k.resistance_effect * pr.resistance[i]) * fa.recept[f, topic] * fa.uptake[f]
                    * (1.0 + k.skill_primes * gained))
            knowledge[i, topic] = 1.0 - (1.0 - knowledge[i, topic]) * (1.0 - r)
            trust[i] = 1.0 - (1.0 - trust[i]) * k.distrust_kept
            pr.contact_days[i] += k.contact_days
            pr.echo_sessions[i] += 1.0
            pr.reinforced[i] = True


#: What one run's ECHO week reads and writes (a model of one block; see :func:`echo_runs`):
#: the arrays (kernel_args.state_tuple), coefficients, the ``echo`` stream's state (pcg.words)
#: and the uniforms' buffer [post], whether a session is held in each week, the run's counts
#: (counters.Counters.counts), the language shares (Sessions.comprehension_of) and the record's
#: attendance series [row, facility].
EchoRun = namedtuple("EchoRun", ("state", "coef", "rng", "u", "held", "counts", "international_share",
                                 "comprehension", "attended", "eligible"))


@kernel
def comprehension_of(j, international_share, comprehension):
    """The share of session ``j``'s content understood: ``comprehension`` for the sessions given
    in English only (``international_share`` of them, spread evenly), else 1."""
    return comprehension if int((j + 1) * international_share) > int(j * international_share) else 1.0


@kernel
def echo_runs(week, runs, lo, hi):
    """Week ``week``'s session, if one is held, for runs ``lo``..``hi - 1`` of ``runs`` (a typed
    list of EchoRun), each as :func:`telementoring` holds it, its uniforms drawn from the run's own
    ``echo`` stream (numpy's numbers)."""
    for r_index in range(lo, hi):
        echo_run(week, runs[r_index])


@kernel
def echo_run(week, r):
    """Week ``week``'s session, if one is held, for one EchoRun ``r`` (:func:`echo_runs`)."""
    if r.held[week]:
        j = r.counts[ECHO_SESSIONS]
        r.counts[ECHO_SESSIONS] = j + 1
        _session(0, r.attended.shape[1], r.state, r.coef, r.rng, r.u, j % 4,
                 comprehension_of(j, r.international_share, r.comprehension), r.attended[week + 1],
                 r.eligible[week + 1])
        advance(r.rng, r.u.shape[0])


class Sessions:
    """What the sessions read, gathered once at set-up (the parameters do not change during a
    run): the weeks a session is due (:func:`session_weeks`), the share of the content understood
    in session ``j`` and not in English only, and a buffer for its uniforms (drawn from the
    ``echo`` stream, model.rng_states)."""

    __slots__ = ("comprehension", "international_share", "runs", "u", "weeks")

    def __init__(self, model):
        p = model.p
        self.weeks = session_weeks(p, model.time)
        self.international_share = float(p["echo.international_share"])
        self.comprehension = float(p["echo.language_comprehension"])
        self.u = np.empty(model.providers.n)  # a session's uniforms, one per post
        #: a model of one block: its EchoRun in a typed list (set by gather_run once the record exists)
        self.runs = None

    def gather_run(self, model) -> None:
        """For a model of one block (its record must exist): its EchoRun, in a typed list kept in
        ``runs``, through which it holds its sessions (a batch of one)."""
        if len(model.blocks) != 1:
            return
        held = np.zeros(model.time.total_weeks, dtype=bool)
        held[sorted(self.weeks)] = True
        fac = model.record.fac
        run = EchoRun(state_tuple(model), model.echo_coef, model.rng_states["echo"], self.u, held,
                      model.counters.counts, self.international_share, self.comprehension, fac["echo_attended"],
                      fac["echo_eligible"])
        self.runs = run_list(run)

    def comprehension_of(self, j: int) -> float:
        """The share of session ``j``'s content understood (:func:`comprehension_of`)."""
        return comprehension_of(j, self.international_share, self.comprehension)


def telementoring(model, week: int) -> None:
    """Hold this week's session, if one is due. Attendance is counted straight into this week's
    row of the record (``echo_attended``, ``echo_eligible``; zero until then)."""
    s = model.sessions
    if s.runs is not None:  # one block: a batch of one
        echo_runs(week, s.runs, 0, 1)
        return
    if week not in s.weeks:
        return
    j = model.counters["echo_sessions"]
    model.counters["echo_sessions"] = j + 1
    fac = model.record.fac
    rng = model.rng_states["echo"]  # each block draws its posts' uniforms, then the stream moves past all
    run_blocks(_session, model.blocks, model.state, model.echo_coef, rng, s.u, j % 4, s.comprehension_of(j),
               fac["echo_attended"][week + 1], fac["echo_eligible"][week + 1])
    advance(rng, len(s.u))
