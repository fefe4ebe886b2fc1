"""Learning, decay, peer diffusion, the secular trend, and relationships.

The modalities (visits.py, telementoring.py, whatsapp.py) move skill or knowledge toward 1 by
closing a share of the gap (:func:`close_gap`). The weekly processes here then act on everyone:

- practice: explicit knowledge a mentee has gained (above their own floor) turns into practised
  skill: each week skill closes ``knowledge_to_skill_rate`` x (1 - ``workload.practice_block`` x
  busy) x receptivity x knowledge gained x (1 + ``skill_primes_knowledge`` x skill gained) of
  its gap to 1: a mentee coached side by side puts what sessions taught into practice faster
  (the complementarity, in the other direction from coaching x knowledge). (Earlier versions closed the gap up to
  knowledge itself; with the secular trend lifting practice floors above explicit knowledge, what
  telementoring taught then never reached practice.)
- peer diffusion: a provider's skill moves toward the team mean when below it, at
  ``peer_rate`` x team culture (mean of teamwork culture and collective learning orientation);
- secular trend: everyone's floor (both arms) drifts toward ``learning.secular_ceiling``,
  carrying skill with it, until ``learning.secular_end_month``; the weekly rate ties it to what
  drove it: ``secular_rate`` x [s x (1 - h)^w + 1 - s] in week w (:func:`secular_rate_at`), where
  the share s (``learning.secular_ssc_share``) follows the national SSC roll-out's pace (h =
  ``ssc.rollout_rate`` per week: its weekly progress relative to week 0, fading as it completes)
  and the rest, other programmes, is constant;
- decay: gains above the floor halve over the skill / knowledge half-life; a week with contact
  exposes only (1 - ``reinforcement_protection``) of it, and leadership engagement L a further
  (1 - ``leadership_sustain`` x L);
- relationships: resistance = resistance on arrival x (1 - trust); confidence follows mean
  skill at ``confidence_rate``; teamwork culture rises toward practised teamwork at
  ``culture_growth_rate`` (culture change comes after practice, as lower performers showed).

Receptivity: learning in the teamwork domain is scaled by [``culture_floor`` +
(``teamwork_receptivity_full`` - ``culture_floor``) x teamwork culture] x readiness; other
domains by 1, except safety (below). Teamwork behaviours (briefings, closed-loop communication)
are collective: where culture allows, one coached member's practice is taken up by the team, so
at full culture teamwork learning is ``teamwork_receptivity_full`` (default 2) times the other
domains'. Readiness (:func:`teamwork_readiness`, seed 003's change continuum: lower performers
overhauled safety practice first and turned to culture change much later): a team of culture c
turns to teamwork once its theatre safety adherence reaches ``learning.safety_first_level`` x
(1 - c), before that in proportion to its safety progress; the receptivity it does not put into
teamwork goes to safety practice (safety receptivity 1 + teamwork receptivity x (1 -
readiness)).

Absorptive capacity (facilities.py, ``uptake``): the modalities scale what each contact achieves
by the facility's context. Complementarity: coaching achieves more with explicit knowledge
(``absorptive_capacity``), a telementoring session more with practised skill
(``skill_primes_knowledge``).
"""

from __future__ import annotations

import math

import numpy as np

from mentorsim.model.jit import kernel
from mentorsim.model.people import CHECKLIST, TEAMWORK


def close_gap(value, rate, times=1.0):
    """Close a share ``rate`` of the gap to 1, ``times`` times: 1 - (1 - v)(1 - rate)^times."""
    rate = np.clip(rate, 0.0, 1.0)
    return 1.0 - (1.0 - value) * (1.0 - rate) ** times


def receptivity(model) -> np.ndarray:
    """[n_fac, 4] multiplier on learning before the first week: 1, except teamwork, which needs
    team culture and, where culture is weak, established safety practice (the facility's
    baseline practice stands for its theatre team's safety adherence until step 12 of week 0
    measures it)."""
    fa, p = model.facilities, model.p
    return _receptivity(fa.teamwork_culture, fa.baseline_skill, float(p["learning.safety_first_level"]),
                        float(p["learning.culture_floor"]), float(p["learning.teamwork_receptivity_full"]))


@kernel
def _receptivity(culture, practice, safety_first, floor, full):
    """:func:`receptivity` of facilities with teamwork ``culture`` and baseline ``practice``."""
    r = np.ones((culture.shape[0], 4))
    for f in range(culture.shape[0]):
        ready = teamwork_readiness(culture[f], practice[f], practice[f], safety_first)
        team = teamwork_receptivity(culture[f], floor, full)
        r[f, TEAMWORK] = team * ready
        r[f, CHECKLIST] = 1.0 + team * (1.0 - ready)
    return r


@kernel
def teamwork_receptivity(culture, floor, full):
    """Teamwork-domain receptivity of a team with ``culture`` (0-1): ``floor`` with none,
    ``full`` with full culture, linear between."""
    return floor + (full - floor) * culture


# Rules for one provider and domain. The kernels below and loop.weekly_dynamics apply them;
# they are written once, here (numba inlines them).

@kernel
def practised(skill, gained, rate, receptivity):
    """Skill after a week's practice: closes ``rate`` x receptivity x knowledge ``gained`` (above
    the person's floor) of the gap to 1 (``rate`` already holds the skill-gained factor)."""
    return skill + min(1.0, rate * max(gained, 0.0) * receptivity) * (1.0 - skill)


@kernel
def toward_team(skill, team_mean, rate):
    """Skill after peer diffusion: closes ``rate`` of the gap up to the team mean (never down)."""
    return skill + rate * max(team_mean - skill, 0.0)


@kernel
def secular_step(floor, rate, ceiling):
    """This week's rise of a floor toward ``ceiling`` (0 at or above it)."""
    return rate * max(ceiling - floor, 0.0)


@kernel
def secular_rate_at(rate, row, end_week, ssc_share, rollout):
    """The secular rate in the week recorded in ``row`` (week ``w = row - 1``), 0 from
    ``end_week`` on. Before that, ``rate`` x [``ssc_share`` x (1 - ``rollout``)^w + 1 -
    ``ssc_share``]: the share ``ssc_share`` of the trend follows the pace of the national SSC
    roll-out (``rollout`` per week, ssc.rollout_rate: its progress in week w relative to week 0,
    the same in both arms and without the programme's push), the rest (other programmes) is
    constant. ``rate`` is the trend's rate in week 0."""
    if row - 1 >= end_week:
        return 0.0
    return rate * (ssc_share * (1.0 - rollout) ** (row - 1) + 1.0 - ssc_share)


@kernel
def decayed(value, floor, keep):
    """A level after a week's decay: ``floor`` + (value - floor) x keep, kept in [0, 1]."""
    return min(1.0, max(0.0, floor + (value - floor) * keep))


@kernel
def resistance_from_trust(resistance0, trust):
    return resistance0 * (1.0 - trust)


@kernel
def confidence_toward(confidence, mean_skill, rate):
    return confidence + rate * (mean_skill - confidence)


@kernel
def peer_secular_decay(skill, floor, team_mean, peer_rate, secular_rate, ceiling, keep):
    """Steps 8-10 for one provider and domain: (skill, floor) after peer diffusion toward
    ``team_mean``, the secular rise of the floor (which carries skill with it) and decay."""
    s = toward_team(skill, team_mean, peer_rate)
    rise = secular_step(floor, secular_rate, ceiling)
    floor = floor + rise
    return decayed(s + rise, floor, keep), floor


@kernel
def practice(skill, skill_floor, knowledge, knowledge_floor, busy, filled, lo, hi, recept, rate, block,
             primes):
    """Step 7 for one facility's filled posts ``lo``..``hi - 1`` (in place), with its receptivity
    ``recept`` [4]; the team's mean skill after it by domain (a 4-tuple, 0 with no one in post),
    which peer diffusion (step 8) moves people toward."""
    # receptivity and the team's sums are kept in locals through the posts (the sums get the
    # same additions in the same order as adding into an array post by post); a post's
    # four domains are read, updated and written together (one vector operation each)
    c0, c1, c2, c3 = recept[0], recept[1], recept[2], recept[3]
    count = m0 = m1 = m2 = m3 = 0.0
    for i in range(max(lo, 0), hi):  # lo is never negative; saying so lets the loads vectorize
        if not filled[i]:
            continue
        r = rate * (1.0 - block * busy[i])
        count += 1.0
        s0, s1, s2, s3 = skill[i, 0], skill[i, 1], skill[i, 2], skill[i, 3]
        f0, f1, f2, f3 = skill_floor[i, 0], skill_floor[i, 1], skill_floor[i, 2], skill_floor[i, 3]
        k0, k1, k2, k3 = knowledge[i, 0], knowledge[i, 1], knowledge[i, 2], knowledge[i, 3]
        g0, g1 = k0 - knowledge_floor[i, 0], k1 - knowledge_floor[i, 1]
        g2, g3 = k2 - knowledge_floor[i, 2], k3 - knowledge_floor[i, 3]
        s0 = practised(s0, g0, r * (1.0 + primes * max(0.0, s0 - f0)), c0)
        s1 = practised(s1, g1, r * (1.0 + primes * max(0.0, s1 - f1)), c1)
        s2 = practised(s2, g2, r * (1.0 + primes * max(0.0, s2 - f2)), c2)
        s3 = practised(s3, g3, r * (1.0 + primes * max(0.0, s3 - f3)), c3)
        skill[i, 0], skill[i, 1], skill[i, 2], skill[i, 3] = s0, s1, s2, s3
        m0 += s0
        m1 += s1
        m2 += s2
        m3 += s3
    if count > 0.0:
        return m0 / count, m1 / count, m2 / count, m3 / count
    return m0, m1, m2, m3


@kernel
def peer_rates(teamwork_culture, learning_orientation, rate):
    """[n_fac] weekly peer-diffusion rate: ``rate`` x mean of the two culture scores."""
    return rate * 0.5 * (teamwork_culture + learning_orientation)


@kernel
def update_keep_factors(keep, keep_leadership, leadership, lam_skill, lam_knowledge, protect_contact,
                        protect_lead):
    """Fill ``keep`` [n_fac, 2, 2], the share of the gain above the floor kept this week, by
    facility, whether reinforced (0 no, 1 yes), and skill (0) or knowledge (1); ``lam_*`` in
    1/week. Only facilities whose leadership engagement changed since ``keep_leadership`` (the
    value each row was computed for; NaN at first) are recomputed."""
    for f in range(leadership.shape[0]):
        if leadership[f] == keep_leadership[f]:
            continue
        keep_leadership[f] = leadership[f]
        exposure = 1.0 - protect_lead * leadership[f]
        for r in range(2):
            e = exposure * (1.0 - protect_contact) if r == 1 else exposure
            keep[f, r, 0] = math.exp(-lam_skill * e)
            keep[f, r, 1] = math.exp(-lam_knowledge * e)


@kernel
def secular_baseline(current_baseline, rate, ceiling):
    """Step 9 for what new hires start from (in place)."""
    for f in range(current_baseline.shape[0]):
        current_baseline[f] += secular_step(current_baseline[f], rate, ceiling)


@kernel
def teamwork_readiness(culture, safety, base, safety_first):
    """Share (0-1) of its teamwork receptivity a team puts to use (seed 003's change continuum).
    A team whose culture is weak works on safety first: it needs its theatre safety adherence
    ``safety`` (0-1) to reach ``need = safety_first x (1 - culture)`` and takes up teamwork in
    proportion to how far safety has come from ``base`` (the facility's practice without the
    programme: its baseline, moved by the secular trend) toward ``need``; 1 once there, or if
    ``base`` is already there (full culture: need 0). ``safety_first`` 0: always ready."""
    need = safety_first * (1.0 - culture)
    if safety >= need or base >= need:
        return 1.0
    return max(0.0, (safety - base) / (need - base))


@kernel
def culture_follows_practice(culture, team_practice, base, culture_rate, culture_floor, culture_full,
                             safety_first, recept):
    """Step 12 at facility level: teamwork culture rises toward practised teamwork; the
    teamwork receptivity follows, scaled by the team's readiness given its safety practice
    (:func:`teamwork_readiness`; in place)."""
    for f in range(culture.shape[0]):
        gap = team_practice[f, TEAMWORK] - culture[f]
        if gap > 0.0:
            culture[f] += culture_rate * gap
        team = teamwork_receptivity(culture[f], culture_floor, culture_full)
        ready = teamwork_readiness(culture[f], team_practice[f, CHECKLIST], base[f], safety_first)
        recept[f, TEAMWORK] = team * ready
        recept[f, CHECKLIST] = 1.0 + team * (1.0 - ready)
