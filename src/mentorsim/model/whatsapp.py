"""WhatsApp groups: real-time problem solving and exchange between facilities.

One group per region. Each week a provider with access (``providers.whatsapp_access``) is
active with chance ``whatsapp.weekly_engagement``. Active members close ``learning.whatsapp_rate``
x their facility's absorptive capacity (``uptake``, facilities.py) of their knowledge gap (advice on patient management, monthly data sharing), move toward the
best facility of their region in each domain (cross-facility exchange, ``exchange_rate``), ask
``consultations_per_active`` case consultations, and count as reinforced against decay.
"""

from __future__ import annotations

import numpy as np

from mentorsim.model.blocks import run_blocks
from mentorsim.model.jit import kernel


def groups_running(model, week: int) -> bool:
    p = model.p
    if model.time.in_programme(week):
        return bool(p["whatsapp.enabled"])
    return bool(p["followup.whatsapp"])


@kernel
def _team_knowledge(f_lo, f_hi, knowledge, filled, first_post, intervention, means):
    """Mean knowledge of the filled posts of each intervention facility in ``f_lo``..``f_hi - 1``
    (into ``means`` [n_fac, 4])."""
    for f in range(f_lo, f_hi):
        if not intervention[f]:
            continue
        count = 0.0
        for d in range(4):
            means[f, d] = 0.0
        for i in range(first_post[f], first_post[f + 1]):
            if filled[i]:
                count += 1.0
                for d in range(4):
                    means[f, d] += knowledge[i, d]
        if count > 0.0:
            for d in range(4):
                means[f, d] /= count


@kernel
def _region_best(means, intervention, region, n_regions):
    """[regions, 4] the best intervention facility's mean knowledge in each region and domain."""
    best = np.zeros((max(n_regions, 1), 4))
    for f in range(means.shape[0]):
        if intervention[f]:
            for d in range(4):
                best[region[f], d] = max(best[region[f], d], means[f, d])
    return best


@kernel
def _week(f_lo, f_hi, best, knowledge, filled, access, first_post, intervention, region, u, engagement,
          rate, uptake, exchange, per_active, whatsapp_weeks, reinforced, active_per_fac, consultations):
    """A week of group activity for the members in facilities ``f_lo``..``f_hi - 1``."""
    for f in range(f_lo, f_hi):
        if not intervention[f]:
            continue
        kept = 1.0 - min(1.0, rate * uptake[f])
        for i in range(first_post[f], first_post[f + 1]):
            if not (filled[i] and access[i]) or u[i] >= engagement:
                continue
            active_per_fac[f] += 1.0
            for d in range(4):
                x = 1.0 - (1.0 - knowledge[i, d]) * kept
                gap = best[region[f], d] - x
                if gap > 0.0:
                    x += exchange * gap
                knowledge[i, d] = x
            whatsapp_weeks[i] += 1.0
            reinforced[i] = True
        consultations[f] = per_active * active_per_fac[f]


@kernel
def _whole_week(n_regions, knowledge, filled, access, first_post, intervention, region, u, engagement,
                rate, uptake, exchange, per_active, whatsapp_weeks, reinforced, active_per_fac, consultations):
    """The three steps of a week in one call, for a model that is one block."""
    n_fac = intervention.shape[0]
    means = np.zeros((n_fac, 4))
    _team_knowledge(0, n_fac, knowledge, filled, first_post, intervention, means)
    best = _region_best(means, intervention, region, n_regions)
    _week(0, n_fac, best, knowledge, filled, access, first_post, intervention, region, u, engagement, rate,
          uptake, exchange, per_active, whatsapp_weeks, reinforced, active_per_fac, consultations)


def whatsapp(model, week: int) -> None:
    """One week of group activity: each region's best facility, then the members' activity."""
    if not groups_running(model, week):
        return
    p, pr, fa, rec = model.p, model.providers, model.facilities, model.record
    row = week + 1
    args = (pr.knowledge, pr.filled, pr.whatsapp_access, pr.first_post, fa.intervention, fa.group,
            model.streams["whatsapp"].random(pr.n), p["whatsapp.weekly_engagement"],
            p["learning.whatsapp_rate"], fa.uptake, p["whatsapp.exchange_rate"], p["whatsapp.consultations_per_active"],
            pr.whatsapp_weeks, pr.reinforced, rec.fac["whatsapp_active"][row], rec.fac["consultations"][row])
    if len(model.blocks) == 1:
        _whole_week(fa.n_regions, *args)
        return
    means = np.zeros((fa.n, 4))
    run_blocks(_team_knowledge, model.blocks, pr.knowledge, pr.filled, pr.first_post, fa.intervention, means)
    run_blocks(_week, model.blocks, _region_best(means, fa.intervention, fa.group, fa.n_regions), *args)
