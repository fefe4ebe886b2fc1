"""Facilities: the setting of the programme, their context in arrays, Mesa agents as views.

A facility has a level (regional referral hospital, district hospital, health centre) that
scales its beds, operations and staffing; a region (groups of ``mentors.facilities_per_trip``
facilities, as Mara and Kagera held five each); a context (leadership engagement, teamwork
culture, collective learning orientation, connectivity); and distances to the hub and to a
regional mentor's base. Intervention facilities come first, comparison facilities after.

Context (the mean of leadership, teamwork culture and learning orientation at the start) shapes
both where a facility starts and how much it takes up (seed 003): baseline practice rises with
it (``facilities.context_baseline_slope``), and so does absorptive capacity, ``uptake`` = 1 +
``learning.context_uptake`` x (context - mean context), which scales what each coaching day,
ECHO session and WhatsApp week achieves there.

Leadership engagement and teamwork culture change during a run (visits' closing debriefs raise
leadership engagement; practised teamwork raises culture); the rest is fixed.
"""

from __future__ import annotations

import mesa
import numpy as np

from mentorsim.model.people import STAFF_KEYS
from mentorsim.model.weak import Weak

LEVELS = ("regional_referral", "district_hospital", "health_centre")
REGIONAL, DISTRICT, HEALTH_CENTRE = range(3)
#: Size of each level relative to a typical district hospital (beds, operations, staff).
#: Assumption: regional referral hospitals are larger, health centres smaller.
LEVEL_SCALE = np.array([1.6, 1.0, 0.5])
#: Names for the first regions; further regions are numbered.
REGION_NAMES = ("Mara", "Kagera")


class Facilities:
    """Arrays of facility characteristics and state, one entry per facility."""

    def __init__(self, p, rng: np.random.Generator):
        n_int = int(p["facilities.intervention"])
        n_cmp = int(p["facilities.comparison"])
        n = n_int + n_cmp
        self.n = n
        self.n_intervention = n_int
        self.intervention = np.arange(n) < n_int
        u = rng.random(n)
        share_reg = p["facilities.share_regional"]
        share_hc = p["facilities.share_health_centre"]
        self.level = np.where(u < share_reg, REGIONAL,
                              np.where(u < share_reg + share_hc, HEALTH_CENTRE, DISTRICT))
        scale = LEVEL_SCALE[self.level]
        # Draws of one law are made in one call, in the order of one call each (the same numbers:
        # a Generator fills an array in order): the size factors of beds, operations and the four
        # roles' staff; the two distances. (Not the context scores: a normal with an array of
        # means costs more than four calls.)
        size = rng.lognormal(0, p["facilities.size_sd"], (2 + len(STAFF_KEYS), n))
        self.beds = np.maximum(10, np.round(p["facilities.beds"] * scale * size[0]))
        self.operations_per_month = p["facilities.operations_per_month"] * scale * size[1]
        self.caesarean_share = np.full(n, p["facilities.caesarean_share"])
        # [n, 4 roles]
        per_role = np.array([float(p[key]) for key in STAFF_KEYS])[:, None] * scale
        self.staff = np.ascontiguousarray(np.maximum(1, np.round(per_role * size[2:])).astype(np.int64).T)
        sd = p["facilities.context_sd"]

        def context(mean):
            return np.minimum(np.maximum(rng.normal(mean, sd, n), 0.0), 1.0)  # np.clip's result, cheaper

        self.leadership = context(p["facilities.leadership_mean"])
        self.teamwork_culture = context(p["facilities.teamwork_culture_mean"])
        self.learning_orientation = context(p["facilities.learning_orientation_mean"])
        self.connectivity = context(p["facilities.connectivity_mean"])
        distance = rng.lognormal(0, p["facilities.distance_sd"], (2, n))
        self.distance_hub_km = p["facilities.distance_hub_km"] * distance[0]
        self.distance_local_km = p["facilities.distance_local_km"] * distance[1]
        # Regions: consecutive groups of facilities_per_trip, separately for each arm.
        per = int(p["mentors.facilities_per_trip"])
        idx = np.arange(n)
        self.region = np.where(self.intervention, idx // per, -1 - (idx - n_int) // per)
        self.n_regions = int(self.region[self.intervention].max() + 1) if n_int else 0
        self.group = np.maximum(self.region, 0)  # WhatsApp group of an intervention facility
        # Context: how prepared a facility is (seed 003), and how far from the typical facility.
        self.context = (self.leadership + self.teamwork_culture + self.learning_orientation) / 3.0
        self.context_mean = mean_context(p)
        above = self.context - self.context_mean
        # Baseline practice: the facility mean rises with context; the rest of the between-facility
        # spread (composite 5-19%) is independent, so the total sd stays baseline_facility_sd.
        slope = p["facilities.context_baseline_slope"]
        explained = slope * sd / np.sqrt(3.0)  # sd of slope x context (three independent scores)
        residual = np.sqrt(max(0.0, p["providers.baseline_facility_sd"] ** 2 - explained ** 2))
        self.baseline_skill = np.minimum(np.maximum(
            p["providers.baseline_skill"] + slope * above + residual * rng.standard_normal(n), 0.01), 1.0)
        # Absorptive capacity: what each contact, session and message achieves, relative to a
        # facility of mean context (fixed at the starting context).
        self.uptake = np.maximum(0.0, 1.0 + p["learning.context_uptake"] * above)
        # Dynamic state, written each week.
        self.current_baseline = self.baseline_skill.copy()  # moved by the secular trend
        self.workload = np.ones(n)
        self.operations_week = np.zeros(n)


    def region_name(self, region: int) -> str:
        if region < 0:
            return f"comparison-{-region}"
        return REGION_NAMES[region] if region < len(REGION_NAMES) else f"region-{region + 1}"

    def culture(self) -> np.ndarray:
        """Team culture used for peer learning: mean of teamwork culture and learning orientation."""
        return 0.5 * (self.teamwork_culture + self.learning_orientation)


def mean_context(p) -> float:
    """Context of a typical facility: the mean of the three context means (share)."""
    return (p["facilities.leadership_mean"] + p["facilities.teamwork_culture_mean"]
            + p["facilities.learning_orientation_mean"]) / 3.0


class Facility(mesa.Agent):
    """A facility as a Mesa agent: a view on one entry of :class:`Facilities`."""

    model = Weak()  # by weak reference (weak.py)

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _arrays(self) -> Facilities:
        return self.model.facilities

    @property
    def arm(self) -> str:
        return "intervention" if self._arrays.intervention[self.index] else "comparison"

    @property
    def level(self) -> str:
        return LEVELS[self._arrays.level[self.index]]

    @property
    def region(self) -> str:
        return self._arrays.region_name(int(self._arrays.region[self.index]))

    @property
    def beds(self) -> int:
        return int(self._arrays.beds[self.index])

    @property
    def operations_per_month(self) -> float:
        return float(self._arrays.operations_per_month[self.index])

    @property
    def caesarean_share(self) -> float:
        return float(self._arrays.caesarean_share[self.index])

    @property
    def staffing(self) -> dict[str, int]:
        from mentorsim.model.people import ROLES
        return dict(zip(ROLES, self._arrays.staff[self.index].tolist()))

    @property
    def leadership(self) -> float:
        return float(self._arrays.leadership[self.index])

    @property
    def teamwork_culture(self) -> float:
        return float(self._arrays.teamwork_culture[self.index])

    @property
    def learning_orientation(self) -> float:
        return float(self._arrays.learning_orientation[self.index])

    @property
    def connectivity(self) -> float:
        return float(self._arrays.connectivity[self.index])

    @property
    def distance_hub_km(self) -> float:
        return float(self._arrays.distance_hub_km[self.index])

    @property
    def context(self) -> float:
        """Mean of leadership, teamwork culture and learning orientation at the start (0-1)."""
        return float(self._arrays.context[self.index])

    @property
    def uptake(self) -> float:
        """Absorptive capacity: multiplier on what each contact achieves (1 = typical facility)."""
        return float(self._arrays.uptake[self.index])

    @property
    def workload(self) -> float:
        return float(self._arrays.workload[self.index])
