"""Learning, decay, peer diffusion, the secular trend, and relationships.

The modalities (visits.py, telementoring.py, whatsapp.py) move skill or knowledge toward 1 by
closing a share of the gap (:func:`close_gap`). The weekly processes here then act on everyone:

- practice: explicit knowledge turns into practised skill, where knowledge exceeds skill,
  at ``knowledge_to_skill_rate`` x (1 - ``workload.practice_block`` x busy) x receptivity;
- peer diffusion: a provider's skill moves toward the team mean when below it, at
  ``peer_rate`` x team culture (mean of teamwork culture and collective learning orientation);
- secular trend: everyone's floor (both arms) drifts toward ``learning.secular_ceiling`` at
  ``secular_rate`` a week, carrying skill with it;
- decay: gains above the floor halve over the skill / knowledge half-life; a week with contact
  exposes only (1 - ``reinforcement_protection``) of it, and leadership engagement L a further
  (1 - ``leadership_sustain`` x L);
- relationships: resistance = resistance on arrival x (1 - trust); confidence follows mean
  skill at ``confidence_rate``; teamwork culture rises toward practised teamwork at
  ``culture_growth_rate`` (culture change comes after practice, as lower performers showed).

Receptivity: learning in the teamwork domain is scaled by ``culture_floor`` + (1 -
``culture_floor``) x teamwork culture; other domains by 1.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import kernel
from .people import TEAMWORK


def close_gap(value, rate, times=1.0):
    """Close a share ``rate`` of the gap to 1, ``times`` times: 1 - (1 - v)(1 - rate)^times."""
    rate = np.clip(rate, 0.0, 1.0)
    return 1.0 - (1.0 - value) * (1.0 - rate) ** times


@kernel
def facility_means(values, weight, facility, n_fac):
    """Weighted mean of ``values`` ([n, k]) within each facility -> [n_fac, k]."""
    n, k = values.shape
    sums = np.zeros((n_fac, k))
    w = np.zeros(n_fac)
    for i in range(n):
        wi = weight[i]
        if wi == 0.0:
            continue
        f = facility[i]
        w[f] += wi
        for d in range(k):
            sums[f, d] += wi * values[i, d]
    for f in range(n_fac):
        if w[f] > 0.0:
            for d in range(k):
                sums[f, d] /= w[f]
    return sums


def receptivity(model) -> np.ndarray:
    """[n_fac, 4] multiplier on learning: 1, except teamwork, which needs team culture."""
    fa, floor = model.facilities, model.p["learning.culture_floor"]
    r = np.ones((fa.n, 4))
    r[:, TEAMWORK] = floor + (1.0 - floor) * fa.teamwork_culture
    return r


@kernel
def practice(skill, knowledge, busy, filled, facility, recept, rate, block):
    n, k = skill.shape
    for i in range(n):
        if not filled[i]:
            continue
        r = rate * (1.0 - block * busy[i])
        f = facility[i]
        for d in range(k):
            gap = knowledge[i, d] - skill[i, d]
            if gap > 0.0:
                skill[i, d] += r * gap * recept[f, d]




@kernel
def peer_diffusion(skill, filled, facility, teamwork_culture, learning_orientation, rate):
    n_fac = teamwork_culture.shape[0]
    n, k = skill.shape
    means = np.zeros((n_fac, k))  # team means over the posts filled
    count = np.zeros(n_fac)
    for i in range(n):
        if filled[i]:
            f = facility[i]
            count[f] += 1.0
            for d in range(k):
                means[f, d] += skill[i, d]
    for f in range(n_fac):
        if count[f] > 0.0:
            for d in range(k):
                means[f, d] /= count[f]
    for i in range(n):
        if not filled[i]:
            continue
        f = facility[i]
        r = rate * 0.5 * (teamwork_culture[f] + learning_orientation[f])
        for d in range(k):
            gap = means[f, d] - skill[i, d]
            if gap > 0.0:
                skill[i, d] += r * gap




@kernel
def secular_trend(skill, floor, current_baseline, rate, ceiling):
    n, k = skill.shape
    for i in range(n):
        for d in range(k):
            gap = ceiling - floor[i, d]
            if gap > 0.0:
                step = rate * gap
                floor[i, d] += step
                skill[i, d] += step
    for f in range(current_baseline.shape[0]):  # what new hires start from
        gap = ceiling - current_baseline[f]
        if gap > 0.0:
            current_baseline[f] += rate * gap




@kernel
def decay(skill, skill_floor, knowledge, knowledge_floor, reinforced, leadership, facility,
           lam_skill, lam_knowledge, protect_contact, protect_lead):
    n_fac = leadership.shape[0]
    keep = np.empty((n_fac, 2, 2))  # [facility, reinforced, skill|knowledge]
    for f in range(n_fac):
        exposure = 1.0 - protect_lead * leadership[f]
        for r in range(2):
            e = exposure * (1.0 - protect_contact) if r == 1 else exposure
            keep[f, r, 0] = math.exp(-lam_skill * e)
            keep[f, r, 1] = math.exp(-lam_knowledge * e)
    n, k = skill.shape
    for i in range(n):
        r = 1 if reinforced[i] else 0
        keep_s = keep[facility[i], r, 0]
        keep_k = keep[facility[i], r, 1]
        for d in range(k):
            s = skill_floor[i, d] + (skill[i, d] - skill_floor[i, d]) * keep_s
            skill[i, d] = min(1.0, max(0.0, s))
            x = knowledge_floor[i, d] + (knowledge[i, d] - knowledge_floor[i, d]) * keep_k
            knowledge[i, d] = min(1.0, max(0.0, x))
        reinforced[i] = False




@kernel
def relationships(resistance, resistance0, trust, confidence, skill, rate, culture, team_practice,
                   culture_rate, culture_floor, recept):
    n, k = skill.shape
    for i in range(n):
        resistance[i] = resistance0[i] * (1.0 - trust[i])
        mean = 0.0
        for d in range(k):
            mean += skill[i, d]
        confidence[i] += rate * (mean / k - confidence[i])
    for f in range(culture.shape[0]):
        gap = team_practice[f, TEAMWORK] - culture[f]
        if gap > 0.0:
            culture[f] += culture_rate * gap
        recept[f, TEAMWORK] = culture_floor + (1.0 - culture_floor) * culture[f]


