"""WhatsApp groups: real-time problem solving and exchange between facilities.

One group per region. Each week a provider with access (``providers.whatsapp_access``) is
active with chance ``whatsapp.weekly_engagement``. Active members close ``learning.whatsapp_rate``
x their facility's absorptive capacity (``uptake``, facilities.py) of their knowledge gap (advice on patient management, monthly data sharing), move toward the
best facility of their region in each domain (cross-facility exchange, ``exchange_rate``), ask
``consultations_per_active`` case consultations, and count as reinforced against decay.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from mentorsim.model.blocks import run_blocks
from mentorsim.model.jit import kernel, vector_kernel
from mentorsim.model.kernel_args import arrays_of, coef_tuple, run_list
from mentorsim.model.pcg import advance, fill_facilities


def groups_running(model, week: int) -> bool:
    p = model.p
    if model.time.in_programme(week):
        return bool(p["whatsapp.enabled"])
    return bool(p["followup.whatsapp"])


#: The coefficients of a week of group activity, each with the parameter it comes from (the
#: kernel reads them by name: ``k = WhatsAppCoef(*coef); k.weekly_engagement``).
WHATSAPP_COEF = {
    "weekly_engagement": "whatsapp.weekly_engagement",
    "whatsapp_rate": "learning.whatsapp_rate",
    "exchange_rate": "whatsapp.exchange_rate",
    "consultations_per_active": "whatsapp.consultations_per_active",
}

#: The provider and facility arrays the WhatsApp kernels read, by their people.Providers and
#: facilities.Facilities names (kernel_args.arrays_of): ``pr, fa = _named(state)``, ``pr.knowledge``.
WhatsAppPosts = namedtuple("WhatsAppPosts", ("first_post", "filled", "whatsapp_access", "knowledge",
                                             "whatsapp_weeks", "reinforced"))
WhatsAppSites = namedtuple("WhatsAppSites", ("intervention", "group", "uptake"))
#: WHATSAPP_COEF's fields, naming whatsapp_coefficients' values in the kernels.
WhatsAppCoef = namedtuple("WhatsAppCoef", tuple(WHATSAPP_COEF))


#: What one run's week of group activity reads and writes (a model of one block; see
#: :func:`whatsapp_runs`): the arrays, coefficients, the ``whatsapp`` stream's state (pcg.words)
#: and the uniforms' buffer [post], whether the groups run in each week, the record's series
#: [row, facility] and the scratch of Groups.
WhatsAppRun = namedtuple("WhatsAppRun", ("state", "coef", "rng", "u", "running", "active", "consultations",
                                         "means", "best"))


def whatsapp_coefficients(p) -> tuple[float, ...]:
    """WHATSAPP_COEF's values (a weekly chance, shares of a gap, consultations per active member)
    in its order (kernel_args.coef_tuple)."""
    return coef_tuple(WHATSAPP_COEF, {name: p[key] for name, key in WHATSAPP_COEF.items()})


class Groups:
    """What a week of group activity reads, gathered once at set-up (the parameters do not
    change during a run): the arrays by name, the coefficients, the weeks the groups run, the
    draws' buffer and the record's rows."""

    __slots__ = ("active", "best", "blocks", "coef", "consultations", "means", "n_groups", "rng", "running", "runs",
                 "state", "u")

    def __init__(self, model):
        self.state = arrays_of(model, WhatsAppPosts, WhatsAppSites)
        self.coef = whatsapp_coefficients(model.p)
        time = model.time  # the programme's weeks, then the follow-up's (timeline.TimeAxis)
        self.running = ([groups_running(model, 0)] * time.programme_weeks
                        + [groups_running(model, time.total_weeks)] * (time.total_weeks - time.programme_weeks))
        self.rng = model.rng_states["whatsapp"]  # the stream of this week's uniforms, one per post (pcg.py)
        self.u = np.empty(model.providers.n)
        self.active = model.record.fac["whatsapp_active"]  # [row, facility]
        self.consultations = model.record.fac["consultations"]
        self.n_groups = model.facilities.n_regions
        self.blocks = model.blocks
        # scratch of a one-block week (_whole_week): team means [n_fac, 4], each region's best [group, 4]
        self.means = np.zeros((model.facilities.n, 4))
        self.best = np.zeros((max(self.n_groups, 1), 4))
        # a model of one block runs its weeks through the batch kernel, as a batch of one
        self.runs = None
        if len(self.blocks) == 1:
            run = WhatsAppRun(self.state, self.coef, self.rng, self.u, np.array(self.running, dtype=bool),
                              self.active, self.consultations, self.means, self.best)
            self.runs = run_list(run)


@kernel
def _named(state):
    """``state`` (Groups.state) by name: (provider arrays, facility arrays)."""
    return WhatsAppPosts(*state[0]), WhatsAppSites(*state[1])


@kernel
def _team_knowledge(f_lo, f_hi, state, means):
    """Mean knowledge of the filled posts of each intervention facility in ``f_lo``..``f_hi - 1``
    (into ``means`` [n_fac, 4]); ``state``: Groups.state."""
    pr, fa = _named(state)
    _team_means(f_lo, f_hi, pr, fa, means)


@kernel
def _team_means(f_lo, f_hi, pr, fa, means):
    """_team_knowledge on the state's provider and facility arrays (compiled callers name the
    state once and pass the names on). The sums are kept in locals, with the same additions in
    the same order as adding into ``means`` post by post; the facility's posts are views from 0
    (a loop from 0 needs no negative-index handling)."""
    for f in range(f_lo, f_hi):
        if not fa.intervention[f]:
            continue
        lo, hi = pr.first_post[f], pr.first_post[f + 1]
        filled, knowledge = pr.filled[lo:hi], pr.knowledge[lo:hi]
        count = m0 = m1 = m2 = m3 = 0.0
        for i in range(hi - lo):
            if filled[i]:
                count += 1.0
                m0 += knowledge[i, 0]
                m1 += knowledge[i, 1]
                m2 += knowledge[i, 2]
                m3 += knowledge[i, 3]
        if count > 0.0:
            m0, m1, m2, m3 = m0 / count, m1 / count, m2 / count, m3 / count
        means[f, 0], means[f, 1], means[f, 2], means[f, 3] = m0, m1, m2, m3


@kernel
def _region_best(means, intervention, region, n_regions):
    """[regions, 4] the best intervention facility's mean knowledge in each region and domain."""
    best = np.zeros((max(n_regions, 1), 4))
    _best_into(means, intervention, region, best)
    return best


@kernel
def _best_into(means, intervention, region, best):
    """_region_best written into ``best`` [regions, 4], which must hold zeros."""
    for f in range(means.shape[0]):
        if intervention[f]:
            for d in range(4):
                best[region[f], d] = max(best[region[f], d], means[f, d])
    return best


@kernel
def _week(f_lo, f_hi, state, coef, best, rng, u, active_per_fac, consultations):
    """A week of group activity for the members in facilities ``f_lo``..``f_hi - 1``. ``state``:
    Groups.state; ``coef``: whatsapp_coefficients; ``best`` [group, 4] (_region_best); ``rng``
    the ``whatsapp`` stream's state (pcg.words), from which the uniforms of the block's
    intervention facilities' posts, one a post, are drawn into ``u`` [post] as the week's draws
    at those posts (pcg.fill_facilities; the caller then moves the stream past every post's);
    ``active_per_fac`` and ``consultations`` [n_fac], this week's row."""
    pr, fa = _named(state)
    _members(f_lo, f_hi, pr, fa, coef, best, rng, u, active_per_fac, consultations)


@kernel
def _toward_best(x, best, rate):
    """``x`` moved ``rate`` of the way up to ``best`` if below it (a select: branch-free)."""
    gap = best - x
    return x + rate * gap if gap > 0.0 else x


@kernel
def _members(f_lo, f_hi, pr, fa, coef, best, rng, u, active_per_fac, consultations):
    """_week on the state's provider and facility arrays. A member's four domains are updated
    together (straight-line code the SLP vectorizer of :func:`whatsapp_run` makes vector
    operations of); the facility's posts are views from 0."""
    k = WhatsAppCoef(*coef)
    fill_facilities(rng, u, pr.first_post, fa.intervention, f_lo, f_hi)  # the members' facilities' posts
    engagement, rate = k.weekly_engagement, k.exchange_rate
    for f in range(f_lo, f_hi):
        if not fa.intervention[f]:
            continue
        kept = 1.0 - min(1.0, k.whatsapp_rate * fa.uptake[f])
        group = fa.group[f]
        b0, b1, b2, b3 = best[group, 0], best[group, 1], best[group, 2], best[group, 3]
        lo, hi = pr.first_post[f], pr.first_post[f + 1]
        filled, access, uf = pr.filled[lo:hi], pr.whatsapp_access[lo:hi], u[lo:hi]
        knowledge, weeks, reinforced = pr.knowledge[lo:hi], pr.whatsapp_weeks[lo:hi], pr.reinforced[lo:hi]
        active = active_per_fac[f]
        for i in range(hi - lo):
            if not (filled[i] and access[i]) or uf[i] >= engagement:
                continue
            active += 1.0
            x0 = 1.0 - (1.0 - knowledge[i, 0]) * kept
            x1 = 1.0 - (1.0 - knowledge[i, 1]) * kept
            x2 = 1.0 - (1.0 - knowledge[i, 2]) * kept
            x3 = 1.0 - (1.0 - knowledge[i, 3]) * kept
            knowledge[i, 0] = _toward_best(x0, b0, rate)
            knowledge[i, 1] = _toward_best(x1, b1, rate)
            knowledge[i, 2] = _toward_best(x2, b2, rate)
            knowledge[i, 3] = _toward_best(x3, b3, rate)
            weeks[i] += 1.0
            reinforced[i] = True
        active_per_fac[f] = active
        consultations[f] = k.consultations_per_active * active


@kernel
def _whole_week(state, coef, rng, u, active, consultations, row, means, best):
    """The three steps of a week in one call, for a model that is one block, its uniforms drawn
    from the ``whatsapp`` stream's state ``rng`` into ``u`` (the stream moves past them); ``active`` and
    ``consultations`` are the record's [row, facility] series, written in row ``row``; ``means``
    and ``best`` are scratch (Groups.means, Groups.best: only the intervention facilities' rows
    of ``means`` are read, and each is written first; ``best`` is zeroed here)."""
    pr, fa = _named(state)
    n_fac = fa.intervention.shape[0]
    _team_means(0, n_fac, pr, fa, means)
    best[:] = 0.0
    _best_into(means, fa.intervention, fa.group, best)
    _members(0, n_fac, pr, fa, coef, best, rng, u, active[row], consultations[row])
    advance(rng, u.shape[0])


@vector_kernel
def whatsapp_runs(week, runs, lo, hi):
    """Week ``week`` of group activity for runs ``lo``..``hi - 1`` of ``runs`` (a typed list of
    WhatsAppRun), each as :func:`whatsapp` runs it, its uniforms drawn from the run's own
    ``whatsapp`` stream (numpy's numbers)."""
    for j in range(lo, hi):
        whatsapp_run(week, runs[j])


@vector_kernel
def whatsapp_run(week, r):
    """Week ``week`` of group activity for one WhatsAppRun ``r`` (:func:`whatsapp_runs`)."""
    if r.running[week]:
        _whole_week(r.state, r.coef, r.rng, r.u, r.active, r.consultations, week + 1, r.means, r.best)


def whatsapp(model, week: int) -> None:
    """One week of group activity: each region's best facility, then the members' activity."""
    g = model.whatsapp_groups
    if g.runs is not None:  # one block: a batch of one
        whatsapp_runs(week, g.runs, 0, 1)
        return
    if not g.running[week]:
        return
    fa = model.facilities
    means = np.zeros((fa.n, 4))
    run_blocks(_team_knowledge, g.blocks, g.state, means)
    # each block draws its posts' uniforms; the stream then moves past all of them
    run_blocks(_week, g.blocks, g.state, g.coef, _region_best(means, fa.intervention, fa.group, fa.n_regions), g.rng,
               g.u, g.active[week + 1], g.consultations[week + 1])
    advance(g.rng, len(g.u))
