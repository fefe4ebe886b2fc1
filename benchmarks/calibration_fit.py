"""The fit of the current defaults to every calibration target, as the fit report computes it
(replicates 0-19 of run seed 1, the calibration's scenario): observed, SE, 95% interval,
simulated mean, z, met. Run before and after installing a calibration to compare.

    PYTHONPATH=src python benchmarks/calibration_fit.py [calibration/ss2020.toml]
"""

from __future__ import annotations

import sys

import numpy as np

from mentorsim.calibration.abc import rms_z
from mentorsim.calibration.config import load_config
from mentorsim.calibration.report import defaults_check


def main(path: str = "calibration/ss2020.toml") -> None:
    cfg = load_config(path)
    check = defaults_check(cfg, {})
    print(f"{'target':32s} {'role':5s} {'observed':>8s} {'SE':>6s}  {'95% interval':>16s} {'simulated':>9s} {'z':>6s} met")
    sim = {}
    for t in cfg.targets:
        v = check[t.name].to_numpy(dtype=float)
        m = float(np.nanmean(v))
        sim[t.name] = m
        lo, hi = t.interval95
        print(f"{t.name:32s} {t.role:5s} {t.value:8.2f} {t.se:6.2f}  [{lo:6.1f}, {hi:6.1f}] {m:9.2f} {t.z(m):+6.2f} "
              f"{'yes' if lo <= m <= hi else 'NO'}")
    print(f"distance (weighted RMS z over the fit targets): {rms_z(sim, cfg.fit_targets):.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
