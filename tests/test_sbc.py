"""Simulation-based calibration (calibration.sbc): known answers on a linear-Gaussian toy, where
the importance-sampled posterior is exact, negative controls that must fail, and (slow) an SBC
study of the model itself with the calibration's targets, weights and distance."""

from __future__ import annotations

import numpy as np
import pytest

from mentorsim.calibration.config import Target
from mentorsim.calibration.sbc import (
    central_coverage,
    model_table,
    posterior_weights,
    prior_table,
    sbc,
    uniformity_pvalue,
    weighted_pit,
)


def _target(name: str, se: float, weight: float = 1.0) -> Target:
    return Target(name=name, output="did_safety_pp", value=0.0, se=se, se_sampling=se, se_note="toy",
                  role="fit", source="Assumption", description="toy", weight=weight)


TOY_TARGETS = (_target("a", 0.3), _target("b", 0.5), _target("c", 0.4, weight=0.5))
TOY_MAP = np.array([[1.0, 0.5], [0.0, 2.0], [1.0, 1.0]])  # three outputs of two parameters


def _toy(n=20000, seed=1):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(size=(n, 2))
    return theta, theta @ TOY_MAP.T, rng


def test_pit_and_coverage_known_values():
    assert weighted_pit([1, 2, 3, 4], [0.25] * 4, 2.5, 0.5) == pytest.approx(0.5)
    assert weighted_pit([1, 2, 3], [0.2, 0.3, 0.5], 2, 0.0) == pytest.approx(0.2)
    assert weighted_pit([1, 2, 3], [0.2, 0.3, 0.5], 2, 1.0) == pytest.approx(0.5)
    assert central_coverage([0.01, 0.5, 0.6, 0.99], 0.9) == pytest.approx(0.5)
    assert uniformity_pvalue(np.linspace(0.005, 0.995, 100)) == pytest.approx(1.0)
    assert uniformity_pvalue(np.full(100, 0.55)) < 1e-10


def test_posterior_weights_follow_the_weighted_z_and_drop_the_held_out_row():
    y = np.array([[0.0, 0.0, 0.0], [0.3, 0.0, 0.0], [0.0, 0.0, 0.4]])
    w = posterior_weights(y, [0.0, 0.0, 0.0], TOY_TARGETS)
    # row 1 is one SE away on a weight-1 target, row 2 one SE away on a weight-0.5 target
    assert w[1] / w[0] == pytest.approx(np.exp(-0.5))
    assert w[2] / w[0] == pytest.approx(np.exp(-0.25))
    assert posterior_weights(y, [0.0, 0.0, 0.0], TOY_TARGETS, exclude=0)[0] == 0.0


def test_sbc_passes_for_the_exact_posterior_and_fails_for_wrong_ones():
    """Linear map, normal errors, uniform prior: importance sampling from 20,000 prior draws is
    (nearly) the exact posterior, so PITs are uniform and 50%/90% intervals cover at their level.
    An overconfident posterior (SEs halved) and a biased one (outputs shifted) must be caught."""
    theta, y, rng = _toy()
    names = ("x", "y")
    good = sbc(theta, y, TOY_TARGETS, names, 400, rng)
    assert np.median(good.ess) > 100
    for name, p in good.uniformity_pvalues().items():
        assert p > 0.001, (name, p)
    for level in (0.5, 0.9):
        for name, c in good.coverage(level).items():
            assert abs(c - level) < 0.07, (name, level, c)
    narrow = sbc(theta, y, TOY_TARGETS, names, 400, np.random.default_rng(2), se_scale=0.5)
    assert max(narrow.uniformity_pvalues().values()) < 0.001
    assert max(narrow.coverage(0.9).values()) < 0.8
    biased = sbc(theta, y, TOY_TARGETS, names, 400, np.random.default_rng(3),
                 y_infer=y + np.array([0.3, 0.5, 0.4]))
    assert min(biased.uniformity_pvalues().values()) < 0.001


def test_sbc_refuses_one_sided_targets():
    from dataclasses import replace
    theta, y, rng = _toy(n=50)
    with pytest.raises(ValueError, match="two-sided"):
        sbc(theta, y, (replace(TOY_TARGETS[0], side="above"), *TOY_TARGETS[1:]), ("x", "y"), 5, rng)


@pytest.mark.slow
def test_sbc_of_the_model_with_the_calibration_measurement_model(tmp_path):
    """SBC of the model (small setting, 5 + 5 facilities, 12 months) for three calibrated
    parameters and four targets with their published SEs: 1,500 prior draws form the reference
    table, 150 of them in turn are the truth. The PITs must be uniform (chi-square p > 0.001)
    and the 90% intervals must cover 80-98% of truths."""
    from test_calibration import SMALL_SCENARIO, _config_text, _targets_text

    from mentorsim.calibration.abc import simulator_for
    from mentorsim.calibration.config import load_config

    (tmp_path / "small.toml").write_text(SMALL_SCENARIO)
    truth = {"learning.visit_tacit_rate": 0.15, "learning.secular_rate": 0.008, "survey.leniency": 2.0}
    targets = {"composite_month12": ("composite_month12_pct", 4.8, 61.0),
               "did_safety": ("did_safety_pp", 6.76, 20.5),
               "did_teamwork": ("did_teamwork_pp", 14.06, 33.3),
               "positive": ("survey_positive_pct", 5.66, 96.0)}
    (tmp_path / "targets.toml").write_text(_targets_text(targets))
    (tmp_path / "cal.toml").write_text(_config_text(truth, 10, 1, 1, 1, ""))
    cfg = load_config(tmp_path / "cal.toml")
    rng = np.random.default_rng(11)
    theta = prior_table(cfg.priors, 1500, rng)
    y = model_table(simulator_for(cfg), cfg.priors, theta, cfg.fit_targets)
    assert np.all(np.isfinite(y))
    res = sbc(theta, y, cfg.fit_targets, cfg.parameter_names, 150, rng)
    assert np.median(res.ess) > 30
    for name, p in res.uniformity_pvalues().items():
        assert p > 0.001, (name, p, np.histogram(res.pit[:, res.names.index(name)], 10, (0, 1))[0])
    for name, c in res.coverage(0.9).items():
        assert 0.8 <= c <= 0.98, (name, c)
    # the same study with the SEs halved in the inference (an overconfident posterior) must fail
    narrow = sbc(theta, y, cfg.fit_targets, cfg.parameter_names, 150, np.random.default_rng(12), se_scale=0.5)
    assert max(narrow.uniformity_pvalues().values()) < 0.001
