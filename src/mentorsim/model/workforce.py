"""Staff turnover, hiring and workload.

Turnover: every filled post empties with the weekly hazard implied by ``staff.annual_attrition``;
every vacant post is filled with chance 1/``staff.hiring_delay_weeks`` a week. Both are drawn
once, when a person arrives, as geometric waiting times (the same law as a weekly coin), so the
weekly step only compares dates. New hires arrive
with a fresh baseline: untrained in mentorship, their own (lower, if they missed the SS2020
trainings) knowledge, no trust in the mentors. Posts are never created or lost.

Workload: a facility's weekly operations (Poisson around its monthly mean) divided by what its
surgical providers present can handle at normal pace. A provider's workload is the facility's
times their own share. Workload, less the time leadership releases, sets the chance a provider
is taken by routine work on a contact day (``busy``).
"""

from __future__ import annotations

import numpy as np

from mentorsim.model.blocks import run_blocks
from mentorsim.model.draws import poisson_inv
from mentorsim.model.jit import kernel
from mentorsim.model.people import SURGICAL, new_person_states


@kernel
def _turnover(f_lo, f_hi, first_post, filled, tenure, leave_week, vacancy_weeks, fill_week, week):
    """Empty and fill the posts of facilities ``f_lo``..``f_hi - 1`` in place as scheduled;
    return (leavers, posts filled by new hires)."""
    lo, hi = first_post[f_lo], first_post[f_hi]
    hired = np.empty(hi - lo, dtype=np.int64)
    n_hired = 0
    leavers = 0
    for i in range(lo, hi):
        if filled[i]:
            if leave_week[i] <= week:
                filled[i] = False
                fill_week[i] = week + vacancy_weeks[i]
                leavers += 1
            else:
                tenure[i] += 1.0
        elif fill_week[i] <= week:
            filled[i] = True
            hired[n_hired] = i
            n_hired += 1
    return leavers, hired[:n_hired]


def turnover(model, week: int) -> None:
    """People leave posts; vacancies are filled by new hires (both scheduled when a person arrives)."""
    pr = model.providers
    done = run_blocks(_turnover, model.blocks, pr.first_post, pr.filled, pr.tenure_weeks, pr.leave_week,
                      pr.vacancy_weeks, pr.fill_week, week)
    leavers = sum(n for n, _ in done)
    hired = done[0][1] if len(done) == 1 else np.concatenate([h for _, h in done])
    if len(hired):
        # new people start from today's baseline, which the secular trend has moved
        new_person_states(model.p, model.streams["turnover"], model.facilities.current_baseline, pr,
                          hired, week)
        pr.person_id[hired] = np.arange(pr.next_person_id, pr.next_person_id + len(hired))
        pr.next_person_id += len(hired)
    model.counters["leavers"] += leavers
    model.counters["hires"] += len(hired)


@kernel
def _operations(mean, u, out):
    for f in range(mean.shape[0]):
        out[f] = poisson_inv(mean[f], u[f])


@kernel
def _busy(f_lo, f_hi, busy, filled, role, first_post, workload_factor, leadership, ops_mean, u, ops_week,
          workload, ops_per_provider_week, busy_base, sensitivity, release):
    """This week's operations and workload of facilities ``f_lo``..``f_hi - 1`` (written into
    ``ops_week`` and ``workload``), and each of their posts' chance of being busy."""
    fs = slice(f_lo, f_hi)
    _operations(ops_mean[fs], u[fs], ops_week[fs])
    for f in range(f_lo, f_hi):
        lo, hi = first_post[f], first_post[f + 1]
        surgical = 0.0
        for i in range(lo, hi):
            if filled[i] and role[i] == SURGICAL:
                surgical += 1.0
        workload[f] = ops_week[f] / (max(surgical, 0.5) * ops_per_provider_week)
        for i in range(lo, hi):
            b = busy_base + sensitivity * (workload[f] * workload_factor[i] - 1.0)
            b = min(0.95, max(0.0, b))
            busy[i] = b * (1.0 - release * leadership[f])


def workload(model, week: int) -> None:
    """This week's operations, facility workload, and each provider's chance of being busy."""
    fa, pr = model.facilities, model.providers
    u = model.streams["operations"].random(fa.n)
    run_blocks(_busy, model.blocks, pr.busy, pr.filled, pr.role, pr.first_post, pr.workload_factor,
               fa.leadership, fa.operations_per_week, u, fa.operations_week, fa.workload, *model.workload_coef)
