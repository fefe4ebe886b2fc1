"""The order of updates inside one weekly step, written once.

Each week ``w`` the model runs, in this order:

 1. turnover        people leave posts; vacancies are filled by untrained new hires
 2. workload        this week's operations; each provider's chance of being busy
 3. mentor_pool     mentor days accrue; regional mentors are trained, paired, handed over,
                    lost and replaced (a mentee may become a mentor)
 4. visits          in-person visits due this week: side-by-side coaching (tacit skill),
                    debriefs (knowledge, leadership engagement), trust
 5. telementoring   an ECHO session, if due: explicit knowledge in the session's topic
 6. whatsapp        group activity: knowledge, cross-facility exchange, consultations
 7. practice        explicit knowledge turns into practised skill where time allows
 8. peer_diffusion  skills spread inside each team, scaled by its culture
 9. secular_trend   both arms' floors drift upward (other programmes, national scale-up)
10. decay           gains above the floor decay, slowed by contact and leadership
11. outcomes        composite indicator, SSC use, operations, SSIs, deaths
12. relationships   resistance from trust; confidence; teamwork culture follows practice
13. survey          the mentee survey, in the survey week only
14. snapshot        provider means by arm, facility context, mentor pool

The modalities (4-6) act on the intervention arm only; everything else acts on both arms.
Week ``w`` is recorded in row ``w + 1``; row 0 is the baseline.
"""

from __future__ import annotations

from . import learning, outcomes, survey, telementoring, visits, whatsapp, workforce


def mentor_pool(model, week: int) -> None:
    model.pool.update(week, model.streams["mentors"], model.time.in_programme(week), model.promote_mentee)


def snapshot(model, week: int) -> None:
    model.record.snapshot(model, week)


STEP_ORDER = (
    ("turnover", workforce.turnover),
    ("workload", workforce.workload),
    ("mentor_pool", mentor_pool),
    ("visits", visits.visits),
    ("telementoring", telementoring.telementoring),
    ("whatsapp", whatsapp.whatsapp),
    ("practice", learning.practice),
    ("peer_diffusion", learning.peer_diffusion),
    ("secular_trend", learning.secular_trend),
    ("decay", learning.decay),
    ("outcomes", outcomes.outcomes),
    ("relationships", learning.relationships),
    ("survey", survey.survey),
    ("snapshot", snapshot),
)


def step(model) -> None:
    """Advance ``model`` by one week, running STEP_ORDER."""
    week = model.week
    for _, process in STEP_ORDER:
        process(model, week)
    model.week += 1
