"""WhatsApp groups: real-time problem solving and exchange between facilities.

One group per region. Each week a provider with access (``providers.whatsapp_access``) is
active with chance ``whatsapp.weekly_engagement``. Active members close ``learning.whatsapp_rate`` of
their knowledge gap (advice on patient management, monthly data sharing), move toward the
best facility of their region in each domain (cross-facility exchange, ``exchange_rate``), ask
``consultations_per_active`` case consultations, and count as reinforced against decay.
"""

from __future__ import annotations

import numpy as np

from ._jit import kernel


def groups_running(model, week: int) -> bool:
    p = model.p
    if model.time.in_programme(week):
        return bool(p["whatsapp.enabled"])
    return bool(p["followup.whatsapp"])


@kernel
def _week(knowledge, filled, access, first_post, intervention, region, n_regions, u, engagement, rate,
          exchange, per_active, whatsapp_weeks, reinforced, active_per_fac, consultations):
    n_fac = intervention.shape[0]
    k = knowledge.shape[1]
    # the best intervention facility of each region, by mean knowledge of the posts filled
    best = np.zeros((max(n_regions, 1), k))
    mean = np.empty(k)
    for f in range(n_fac):
        if not intervention[f]:
            continue
        mean[:] = 0.0
        count = 0.0
        for i in range(first_post[f], first_post[f + 1]):
            if filled[i]:
                count += 1.0
                for d in range(k):
                    mean[d] += knowledge[i, d]
        if count > 0.0:
            for d in range(k):
                mean[d] /= count
        for d in range(k):
            best[region[f], d] = max(best[region[f], d], mean[d])
    for f in range(n_fac):
        if not intervention[f]:
            continue
        for i in range(first_post[f], first_post[f + 1]):
            if not (filled[i] and access[i]) or u[i] >= engagement:
                continue
            active_per_fac[f] += 1.0
            for d in range(k):
                x = 1.0 - (1.0 - knowledge[i, d]) * (1.0 - rate)
                gap = best[region[f], d] - x
                if gap > 0.0:
                    x += exchange * gap
                knowledge[i, d] = x
            whatsapp_weeks[i] += 1.0
            reinforced[i] = True
        consultations[f] = per_active * active_per_fac[f]


def whatsapp(model, week: int) -> None:
    """One week of group activity."""
    if not groups_running(model, week):
        return
    p, pr, fa, rec = model.p, model.providers, model.facilities, model.record
    row = week + 1
    _week(pr.knowledge, pr.filled, pr.whatsapp_access, pr.first_post, fa.intervention, fa.group,
          fa.n_regions, model.streams["whatsapp"].random(pr.n), p["whatsapp.weekly_engagement"],
          p["learning.whatsapp_rate"], p["whatsapp.exchange_rate"], p["whatsapp.consultations_per_active"],
          pr.whatsapp_weeks, pr.reinforced, rec.fac["whatsapp_active"][row], rec.fac["consultations"][row])
