"""Directions of effect: raise a lever, the expected outcome moves the expected way.

Each comparison uses the same seed and replicates (common random numbers), so differences are
the lever's, not noise.
"""

import itertools

import numpy as np
from conftest import mean_outcome, params_with
from scipy import stats

from mentorsim.runner import evaluate


def test_more_frequent_visits_never_lower_clinical_skill():
    """Over 5 seeds (paired: common random numbers): no step to more frequent visits lowers mean
    clinical skill at month 12 by more than the seeds' noise (one-sided t at a family-wise 5% over
    the 4 steps), and 4-weekly visits beat 26-weekly ones. Intervals and pools from 1 to 13 weeks:
    test_capacity.py."""
    seeds = (1, 2, 3, 4, 5)
    skills = np.array([[evaluate(params_with({"visits.interval_weeks": w}), seed=s)["skill_clinical_month12"]
                        for s in seeds] for w in (26, 13, 9, 6, 4)])
    t = stats.t.ppf(1 - 0.05 / 4, len(seeds) - 1)
    for less, more in itertools.pairwise(skills):
        d = more - less
        assert d.mean() >= -t * d.std(ddof=1) / np.sqrt(len(seeds)), skills.mean(axis=1)
    assert skills[-1].mean() > skills[0].mean() + 0.05, skills.mean(axis=1)


def test_longer_visits_raise_clinical_skill():
    one = mean_outcome("skill_clinical_month12", {"visits.days": 1})
    three = mean_outcome("skill_clinical_month12", {"visits.days": 3})
    assert three > one


def test_no_telementoring_lowers_explicit_knowledge():
    keys = ["knowledge_clinical_month12", "knowledge_checklist_safety_month12",
            "knowledge_teamwork_communication_month12", "knowledge_data_use_month12"]
    with_echo = sum(mean_outcome(k) for k in keys)
    without = sum(mean_outcome(k, {"echo.enabled": False}) for k in keys)
    assert without < with_echo - 0.05


def test_weekly_telementoring_raises_knowledge_over_biweekly():
    k2 = mean_outcome("knowledge_clinical_month12", scenario="ss2020")
    k1 = mean_outcome("knowledge_clinical_month12", scenario="ss2020_weekly_echo")
    assert k1 > k2


def test_higher_workload_lowers_attendance():
    normal = mean_outcome("echo_attendance_pct")
    heavy = mean_outcome("echo_attendance_pct", {"facilities.operations_per_month": 250.0})
    assert heavy < normal - 2


def test_turnover_lowers_mean_skill():
    low = mean_outcome("skill_clinical_month12", {"staff.annual_attrition": 0.02})
    high = mean_outcome("skill_clinical_month12", {"staff.annual_attrition": 0.4})
    assert high < low


def test_teamwork_culture_raises_gains():
    def gain(culture):
        u = {"facilities.teamwork_culture_mean": culture}
        return mean_outcome("teamwork_month12_pct", u) - mean_outcome("teamwork_baseline_pct", u)
    assert gain(0.8) > gain(0.2) + 1


def test_leadership_raises_composite():
    low = mean_outcome("composite_month12_pct", {"facilities.leadership_mean": 0.1})
    high = mean_outcome("composite_month12_pct", {"facilities.leadership_mean": 0.9})
    assert high > low


def test_resistance_lowers_gains():
    easy = mean_outcome("composite_month12_pct", {"providers.resistance_untrained": 0.1,
                                                  "providers.resistance_trained": 0.05})
    hard = mean_outcome("composite_month12_pct", {"providers.resistance_untrained": 0.9,
                                                  "providers.resistance_trained": 0.7})
    assert hard < easy


def test_multimodal_beats_single_modalities():
    multi = mean_outcome("composite_month12_pct", scenario="ss2020")
    assert multi > mean_outcome("composite_month12_pct", scenario="in_person_only")
    assert multi > mean_outcome("composite_month12_pct", scenario="virtual_only")
    assert mean_outcome("composite_month12_pct", scenario="virtual_only") > mean_outcome(
        "composite_month12_pct", scenario="no_mentorship")


def test_mentor_capacity_limits_visits():
    ample = mean_outcome("visits_missed", {"mentors.available_days_per_month": 20.0}, reps=3)
    scarce = mean_outcome("visits_missed", {"mentors.available_days_per_month": 5.0}, reps=3)
    assert scarce > ample
    done_scarce = mean_outcome("visits_done", {"mentors.available_days_per_month": 5.0}, reps=3)
    done_ample = mean_outcome("visits_done", {"mentors.available_days_per_month": 20.0}, reps=3)
    assert done_scarce < done_ample


def test_safety_practice_lowers_ssi():
    none = mean_outcome("ssi_rate_end_pct", scenario="no_mentorship")
    mentored = mean_outcome("ssi_rate_end_pct", scenario="ss2020")
    assert mentored < none


def test_comparison_arm_improves_by_secular_trend_only():
    flat = mean_outcome("comparison_composite_month12_pct", {"learning.secular_rate": 0.0,
                                                             "learning.knowledge_to_skill_rate": 0.0})
    trend = mean_outcome("comparison_composite_month12_pct")
    base = mean_outcome("comparison_composite_baseline_pct")
    assert abs(flat - base) < 3  # without trend or practice, the comparison arm barely moves
    assert trend > base + 5


def test_a_kept_local_pool_retains_more_of_the_gain():
    kept = mean_outcome("composite_retained_24m_pct", scenario="local_mentors", reps=4)
    stopped = mean_outcome("composite_retained_24m_pct", scenario="ss2020", reps=4)
    assert kept > stopped + 5
    assert 0 < stopped < 100  # gains decay once the programme stops
