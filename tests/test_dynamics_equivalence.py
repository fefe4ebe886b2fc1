"""Steps 7-13 (loop.weekly_dynamics) equal, bit for bit, the steps written out one at a time in
Python, the way the kernel was before it kept its sums in registers, fused the tally into the
per-post pass and was compiled with the SLP vectorizer (issue 16): three passes a facility
(practice; peer diffusion, secular trend, decay, relationships; the tally into the arrays post
by post), then the facility outcomes with a power per SSI risk, culture, and the record. The
reference calls the same compiled one-number rules (learning.py, draws.py), so what is compared
is the kernel's order of operations and its bookkeeping, not numba against CPython arithmetic.
Both paths: one block (the model's own step, loop.dynamics_runs, which also draws the outcomes'
uniforms inside the compiled code: compared with numpy's draws in the reference), and facility
blocks on two threads (weekly_dynamics per block, as at national scale)."""

import numpy as np
import pytest
from conftest import params_with

from mentorsim.model import blocks, loop
from mentorsim.model import learning as L
from mentorsim.model.draws import binomial_inv
from mentorsim.model.facility_outcomes import TOTAL_INDICATORS, ssc_adopted, ssi_exposure, ssi_risk
from mentorsim.model.model import MentorshipModel
from mentorsim.model.people import CHECKLIST, TEAMWORK
from mentorsim.model.recording import ARM_SUM_COLUMNS, record_arms, tally


def _reference_outcomes(practice, checklist, operations, caesarean_share, u, ssc, push, k, out):
    for f in range(practice.shape[0]):
        safety, teamwork = practice[f, CHECKLIST], practice[f, TEAMWORK]
        ssc[f] = ssc_adopted(ssc[f], k["ssc_rollout"], k["ssc_programme"], push[f], checklist[f])
        x = ssi_exposure(ssc[f], safety, k["ssc_weight"])
        risk_cs = ssi_risk(k["risk_cs"], x, k["exposure0"], k["rr_full"])
        risk_o = ssi_risk(k["risk_o"], x, k["exposure0"], k["rr_full"])
        d_cs = min(1.0, max(0.0, k["mort_cs"] + k["cf_cs"] * (risk_cs - k["risk_cs"])))
        d_o = min(1.0, max(0.0, k["mort_o"] + k["cf_o"] * (risk_o - k["risk_o"])))
        ops = int(operations[f])
        cs = binomial_inv(ops, caesarean_share[f], u[f, 0])
        other = ops - cs
        n_safety = k["n_safety"]
        out[f, 0] = (n_safety * safety + (TOTAL_INDICATORS - n_safety) * teamwork) / TOTAL_INDICATORS
        out[f, 1], out[f, 2], out[f, 3], out[f, 4], out[f, 5] = safety, teamwork, ssc[f], ops, cs
        out[f, 6] = binomial_inv(cs, risk_cs, u[f, 1]) + binomial_inv(other, risk_o, u[f, 2])
        out[f, 7] = cs * risk_cs + other * risk_o
        out[f, 8] = binomial_inv(cs, d_cs, u[f, 3]) + binomial_inv(other, d_o, u[f, 4])
        out[f, 9] = cs * d_cs + other * d_o
        out[f, 10] = 1.0 if ssc[f] >= k["ssc_report"] else 0.0
        out[f, 11] = risk_cs


def reference_week(row, a, blocks=None):
    """Steps 7-13 of the week recorded in ``row`` on a model's RunArrays ``a`` (all facilities),
    one step at a time in Python; the snapshot's arm sums gathered by block (``blocks``, [(first
    facility, end)]; one block if None) and added in block order, as loop.Dynamics does."""
    k = {name: float(a.coef[0][name]) for name in a.coef.dtype.names}
    confidence, resistance, trust, filled, theatre, first_post, n_int = a.tally_posts[2:]
    skill, floor, knowledge, kfloor = a.skill, a.skill_floor, a.knowledge, a.knowledge_floor
    n_fac = a.f_hi - a.f_lo
    block_of = np.zeros(n_fac, dtype=int)
    for b, (lo, hi) in enumerate(blocks or [(0, n_fac)]):
        block_of[lo:hi] = b
    by_block = np.zeros((block_of.max() + 1, 2, ARM_SUM_COLUMNS))
    team, checklist = np.zeros((n_fac, 4)), np.zeros(n_fac)
    staff = a.series[0][row]
    L.update_keep_factors(a.keep, a.keep_leadership, a.leadership, k["lam_skill"], k["lam_knowledge"],
                          k["protect_contact"], k["protect_lead"])
    rate = L.secular_rate_at(k["secular_rate"], row, k["secular_end_week"], k["secular_share"], k["ssc_rollout"])
    L.secular_baseline(a.current_baseline, rate, k["secular_ceiling"])
    for f in range(n_fac):
        posts = range(first_post[f], first_post[f + 1])
        peer = k["peer_rate"] * 0.5 * (a.teamwork_culture[f] + a.learning_orientation[f])
        mean, count = np.zeros(4), 0.0
        for i in posts:  # step 7 (practice)
            if filled[i]:
                r = k["practice_rate"] * (1.0 - k["practice_block"] * a.busy[i])
                count += 1.0
                for d in range(4):
                    rd = r * (1.0 + k["skill_primes"] * max(0.0, skill[i, d] - floor[i, d]))
                    skill[i, d] = L.practised(skill[i, d], knowledge[i, d] - kfloor[i, d], rd, a.recept[f, d])
                    mean[d] += skill[i, d]
        if count > 0.0:
            mean /= count
        for i in posts:  # steps 8-10 and the provider part of 12
            keep_skill, keep_knowledge = a.keep[f, int(a.reinforced[i]), 0], a.keep[f, int(a.reinforced[i]), 1]
            total = 0.0
            for d in range(4):
                s = L.toward_team(skill[i, d], mean[d], peer if filled[i] else 0.0)
                rise = L.secular_step(floor[i, d], rate, k["secular_ceiling"])
                floor[i, d] += rise
                skill[i, d] = L.decayed(s + rise, floor[i, d], keep_skill)
                knowledge[i, d] = L.decayed(knowledge[i, d], kfloor[i, d], keep_knowledge)
                total += skill[i, d]
            a.reinforced[i] = False
            resistance[i] = L.resistance_from_trust(a.resistance0[i], trust[i])
            confidence[i] = L.confidence_toward(confidence[i], total / 4.0, k["confidence_rate"])
        arm, in_theatre, sums = (0 if f < n_int else 1), 0.0, by_block[block_of[f]]
        for i in posts:  # step 13's tally, into the arrays post by post
            if not filled[i]:
                sums[arm, 1] += 1.0
                continue
            staff[f] += 1.0
            sums[arm, 0] += 1.0
            for d in range(4):
                sums[arm, 2 + d] += skill[i, d]
                sums[arm, 6 + d] += knowledge[i, d]
            sums[arm, 10] += confidence[i]
            sums[arm, 11] += resistance[i]
            sums[arm, 12] += trust[i]
            if theatre[i]:
                in_theatre += 1.0
                team[f] += skill[i]
                checklist[f] += 0.5 * (skill[i, CHECKLIST] + knowledge[i, CHECKLIST])
        if in_theatre > 0.0:
            team[f] /= in_theatre
            checklist[f] /= in_theatre
    _reference_outcomes(team, checklist, a.operations_week, a.caesarean_share, a.u_outcomes, a.ssc, a.ssc_push, k,
                        a.outcome_table[row])
    L.culture_follows_practice(a.teamwork_culture, team, a.current_baseline, k["culture_rate"], k["culture_floor"],
                               k["culture_full"], k["safety_first"], a.recept)
    a.workload_all[row] = a.workload
    a.leadership_all[row] = a.leadership
    a.culture_all[row] = a.teamwork_culture
    record_arms(row, by_block.sum(axis=0), *a.series[1:])
    return team, checklist


def _state(model):
    """Every array steps 7-13 write or the record holds, as bytes (bitwise comparison)."""
    pr, fa, rec = model.providers, model.facilities, model.record
    arrays = [pr.skill, pr.skill_floor, pr.knowledge, pr.reinforced, pr.confidence, pr.resistance, model.recept,
              fa.teamwork_culture, fa.current_baseline, model.dynamics.ssc, rec.outcome_table, rec.pool_table,
              *rec.fac.values(), *rec.arm_domain.values(), *rec.arm.values()]
    return [np.ascontiguousarray(x).tobytes() for x in arrays]


def _step_with(model, dynamics):
    """One week of ``model`` with steps 7-13 done by ``dynamics(row, run_arrays)``."""
    week = model.week
    for name, process in loop.STEP_ORDER:
        if name == "practice .. snapshot":
            loop.prepare_dynamics(model, week)
            dynamics(week + 1, model.dynamics.run_arrays() if len(model.blocks) == 1 else None)
            model.record.pool_counts(model.pool, week)
        else:
            process(model, week)
    model.week += 1


@pytest.mark.parametrize("updates", [{}, {"learning.secular_end_month": 2.0, "learning.secular_ssc_share": 0.5}],
                         ids=["ss2020", "secular trend ends in month 2"])
def test_weekly_dynamics_equals_the_steps_one_at_a_time(updates):
    p = params_with(updates, scenario="ss2020")
    kernel_model, reference_model = MentorshipModel(p, seed=4), MentorshipModel(p, seed=4)
    reinforced_seen = []

    def reference(row, a):
        reinforced_seen.append(int(a.reinforced.sum()))
        reference_week(row, a)

    for _ in range(14):  # training, visits, ECHO, WhatsApp; and, with updates, weeks past the trend
        kernel_model.step()  # steps 7-13 through loop.dynamics_runs, its uniforms drawn in compiled code
        _step_with(reference_model, reference)
        assert _state(kernel_model) == _state(reference_model), f"week {kernel_model.week - 1} differs"
    assert sum(reinforced_seen) > 0  # the reinforced branch of decay was exercised
    assert kernel_model.record.fac["ssi"][1:15].sum() > 0  # and the SSI draws


def test_blocked_weekly_dynamics_on_threads_equals_the_steps_one_at_a_time(monkeypatch):
    """The national-scale path: the facilities split into blocks (blocks.py, here forced on a
    small model), one weekly_dynamics call per block on two threads, arm sums added in block
    order."""
    monkeypatch.setattr(blocks, "PARALLEL_MIN_POSTS", 0)
    monkeypatch.setattr(blocks, "CHUNKS", 4)
    monkeypatch.setenv("MENTORSIM_THREADS", "2")
    p = params_with(scenario="ss2020")
    kernel_model, reference_model = MentorshipModel(p, seed=6), MentorshipModel(p, seed=6)
    assert len(kernel_model.blocks) == 4

    def reference(row, a):
        dyn = reference_model.dynamics
        whole = loop.RunArrays(dyn.u_outcomes, 0, reference_model.facilities.n, *dyn.block_args[0][2:])
        reference_week(row, whole, reference_model.blocks)

    for _ in range(8):
        _step_with(kernel_model, lambda row, a: kernel_model.dynamics.week(row, kernel_model.dynamics.u_outcomes))
        _step_with(reference_model, reference)
        assert _state(kernel_model) == _state(reference_model), f"week {kernel_model.week - 1} differs"


def test_tally_is_the_sums_over_filled_posts():
    """recording.tally (the baseline's tally, from tally_start/tally_post/tally_end) against numpy."""
    model = MentorshipModel(params_with(scenario="ss2020"), seed=2)
    for _ in range(6):
        model.step()
    pr, fa = model.providers, model.facilities
    pr.filled[::7] = False  # more vacancies
    row = model.week + 1
    series = (np.zeros((row + 1, fa.n)), np.zeros((row + 1, 2, 4)), np.zeros((row + 1, 2, 4)),
              *(np.zeros((row + 1, 2)) for _ in range(5)))
    team, checklist = tally(row, pr.skill, pr.knowledge, pr.confidence, pr.resistance, pr.trust, pr.filled,
                            pr.theatre, pr.first_post, fa.n_intervention, *series)
    staff, skill_all, knowledge_all, conf_all, res_all, trust_all, count_all, vacant_all = series
    facility = np.repeat(np.arange(fa.n), np.diff(pr.first_post))
    for arm, in_arm in enumerate((facility < fa.n_intervention, facility >= fa.n_intervention)):
        present = in_arm & pr.filled
        assert count_all[row, arm] == present.sum() and vacant_all[row, arm] == (in_arm & ~pr.filled).sum()
        np.testing.assert_allclose(skill_all[row, arm], pr.skill[present].mean(axis=0), rtol=1e-13)
        np.testing.assert_allclose(knowledge_all[row, arm], pr.knowledge[present].mean(axis=0), rtol=1e-13)
        for got, values in ((conf_all, pr.confidence), (res_all, pr.resistance), (trust_all, pr.trust)):
            np.testing.assert_allclose(got[row, arm], values[present].mean(), rtol=1e-13)
    for f in range(fa.n):
        posts = np.arange(pr.first_post[f], pr.first_post[f + 1])
        assert staff[row, f] == pr.filled[posts].sum()
        crew = posts[pr.filled[posts] & pr.theatre[posts]]
        if len(crew) == 0:
            assert checklist[f] == 0.0 and not team[f].any()
            continue
        np.testing.assert_allclose(team[f], pr.skill[crew].mean(axis=0), rtol=1e-13)
        np.testing.assert_allclose(checklist[f], 0.5 * (pr.skill[crew, CHECKLIST] + pr.knowledge[crew, CHECKLIST]).mean(),
                                   rtol=1e-13)
