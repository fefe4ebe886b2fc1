"""Calibrated defaults: values fitted to the published targets replace the declared defaults.

``data/calibrated.toml`` is written by ``mentorsim calibrate`` (calibration/) and committed
deliberately. It holds, for each calibrated parameter, the point estimate used as the default
(``default``) and where it came from; the parameter's tag becomes ``calibrated``. Parameters
not in the file keep their ``cited`` or ``assumption`` tags. The posterior itself (samples with
weights) is stored beside it for experiments and probabilistic sensitivity analysis.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources

CALIBRATED_FILE = "calibrated.toml"


def load_calibrated() -> dict:
    """The calibrated-defaults table ({} when the model has not been calibrated)."""
    try:
        text = resources.files("mentorsim").joinpath("data", CALIBRATED_FILE).read_text()
    except (FileNotFoundError, OSError):
        return {}
    return tomllib.loads(text)


def apply_calibration(params):
    """Return ``params`` with calibrated defaults and tags applied."""
    table = load_calibrated().get("parameters", {})
    if not table:
        return params
    by_name = {p.name: p for p in params}
    unknown = sorted(set(table) - set(by_name))
    if unknown:
        raise RuntimeError(f"data/{CALIBRATED_FILE}: unknown parameters {', '.join(unknown)}")
    out = []
    for p in params:
        entry = table.get(p.name)
        if entry is None:
            out.append(p)
            continue
        value = p.kind(entry["default"])
        if not (p.low <= value <= p.high):
            raise RuntimeError(f"data/{CALIBRATED_FILE}: {p.name} = {value} outside [{p.low}, {p.high}]")
        out.append(replace(p, default=value, tag="calibrated"))
    return tuple(out)
