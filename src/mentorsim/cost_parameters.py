"""Unit prices and economic parameters (issue: economics). Declared with the same record as
the model's parameters and joined to the one table in parameters.py."""

from __future__ import annotations

from .paramspec import Param

COST_PARAMS: tuple[Param, ...] = ()
