"""Providers (mentees): their state kept in arrays, one row per post, with Mesa agents as views.

Each row is a *post* in a facility's surgical team. A post is filled by one person at a time;
when that person leaves, the post stays vacant until a new hire fills it (``model/workforce.py``).
Counts are therefore conserved: posts never change, filled + vacant = posts.

State per post (arrays of length ``n``; ``[n, 4]`` for the four domains):
  skill            tacit, practised competence per domain, 0-1 (probability of doing it right)
  skill_floor      what skill decays back to: the person's pre-mentorship level, raised by the
                   secular trend
  knowledge        explicit knowledge per domain, 0-1
  knowledge_floor  what knowledge decays back to
  confidence       0-1, follows mean skill
  trust            0-1, relationship with mentors; built by contact
  resistance0      resistance to mentorship on arrival, 0-1
  resistance       resistance0 x (1 - trust)
  workload_factor  the person's share of the facility's workload (1 = average)
  trained          attended the SS2020 trainings before mentorship
  tenure_weeks     weeks in post
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from mentorsim.model.jit import kernel
from mentorsim.model.kernel_args import coef_record, posts_of
from mentorsim.model.weak import Weak

DOMAINS = ("clinical", "checklist_safety", "teamwork_communication", "data_use")
CLINICAL, CHECKLIST, TEAMWORK, DATA = range(4)

ROLES = ("surgical_provider", "anaesthesia_provider", "theatre_nurse", "ward_nurse")
SURGICAL, ANAESTHESIA, THEATRE_NURSE, WARD_NURSE = range(4)
THEATRE_ROLES = (SURGICAL, ANAESTHESIA, THEATRE_NURSE)
#: [role] True for the theatre roles (a lookup: np.isin cost 12 us a model)
IS_THEATRE = np.isin(np.arange(len(ROLES)), THEATRE_ROLES)
STAFF_KEYS = ("staff.surgical_providers", "staff.anaesthesia_providers", "staff.theatre_nurses",
              "staff.ward_nurses")


#: Provider arrays made zero (but where Providers sets them) as rows of one block of each kind:
#: floats per post, floats per post and domain, flags per post (see :func:`_zero_rows`).
POST_FLOATS = ("confidence", "confidence_at_entry", "trust", "resistance0", "resistance", "workload_factor",
               "busy", "tenure_weeks", "leave_week", "vacancy_weeks", "fill_week", "echo_sessions",
               "echo_offered", "whatsapp_weeks", "contact_days")
POST_DOMAIN_FLOATS = ("skill", "skill_floor", "skill_at_entry", "knowledge", "knowledge_floor")
POST_FLAGS = ("filled", "trained", "whatsapp_access", "reinforced")
#: Posts up to which a model's arrays of a kind are rows of one block (ss2020: 456; the national
#: model, 95,007, keeps arrays of their own: fresh pages of one large block cost its first week
#: more, as Recorder notes for its series).
BLOCK_MAX_POSTS = 20_000


def _zero_rows(k: int, shape: tuple, dtype) -> list[np.ndarray]:
    """``k`` zero arrays of ``shape``: the (C-contiguous) rows of one block if ``shape[0]`` is
    at most BLOCK_MAX_POSTS, else arrays of their own."""
    if shape[0] <= BLOCK_MAX_POSTS:
        return list(np.zeros((k, *shape), dtype=dtype))
    return [np.zeros(shape, dtype=dtype) for _ in range(k)]


class Providers:
    """Arrays of provider state; see the module docstring for the columns."""

    def __init__(self, facility: np.ndarray, role: np.ndarray, n_fac: int):
        n = len(facility)
        self.n = n
        if n and (facility[1:] < facility[:-1]).any():
            raise ValueError("posts must be grouped by facility, in facility order")
        #: posts of facility f are rows first_post[f] .. first_post[f + 1] - 1 (posts never move)
        self.first_post = np.concatenate(([0], np.cumsum(np.bincount(facility, minlength=n_fac))))
        self.facility = facility.astype(np.int32)  # narrow types: less memory traffic per week
        self.role = role.astype(np.int8)
        self.theatre = IS_THEATRE[self.role]
        self.person_id = np.arange(n, dtype=np.int64)
        self.next_id = np.array([n], dtype=np.int64)  # the next new person's id (one slot: compiled steps write it)
        # the float and flag arrays (POST_FLOATS, POST_DOMAIN_FLOATS, POST_FLAGS), zero but where
        # set below: rows of one block of each kind for a model of up to BLOCK_MAX_POSTS posts
        # (three allocations instead of 27), arrays of their own above
        self.__dict__.update(zip(POST_FLOATS, _zero_rows(len(POST_FLOATS), (n,), np.float64)))
        self.__dict__.update(zip(POST_DOMAIN_FLOATS, _zero_rows(len(POST_DOMAIN_FLOATS), (n, 4), np.float64)))
        self.__dict__.update(zip(POST_FLAGS, _zero_rows(len(POST_FLAGS), (n,), np.bool_)))
        self.filled.fill(True)
        self.workload_factor.fill(1.0)
        # turnover is scheduled: the week the person leaves, and how long the post then stays vacant
        self.leave_week.fill(np.inf)
        self.vacancy_weeks.fill(1.0)
        self.fill_week.fill(np.inf)
        # busy: chance of being taken by routine work this week; reinforced: this week's
        # reinforcement (any contact), reset every step; exposure counters (coached_days by track:
        # clinical, data, pathway; echo_*, whatsapp_weeks, contact_days), reset when a new person
        # takes the post (used by the survey)
        self.coached_days = np.zeros((n, 3))
        self._view: tuple | None = None  # (parameter mapping, tuple of one Posts, entry coefficients)

    @property
    def next_person_id(self) -> int:
        """The id the next new person gets (ids count people, not posts)."""
        return int(self.next_id[0])

    def copy(self) -> Providers:
        """An independent copy (every array copied; the kernel view is rebuilt on first use)."""
        new = Providers.__new__(Providers)
        new.__dict__.update({name: value.copy() if isinstance(value, np.ndarray) else value
                             for name, value in vars(self).items()})
        new._view = None
        return new

    def kernel_view(self, p) -> tuple:
        """(these arrays as a kernel reads them: a tuple of one kernel_args.Posts; the entry
        coefficients of ``p``, people.entry_coefficients). Built on the first call and kept (the
        arrays are never replaced); the coefficients are rebuilt only for another mapping than
        the last (a model passes its own, so they are read once per model). A plain tuple, not
        a typed list: a model calls :func:`_init_people` from Python once (its setting; a model
        of several blocks once a week), and making a typed list cost ~8 us of every model's
        set-up (numba boxes it through Python), where handing the tuple over costs ~1 us more
        a call."""
        view = self._view
        if view is None or view[0] is not p:
            posts = view[1] if view is not None else (posts_of(self),)
            view = self._view = (p, posts, entry_coefficients(p))
        return view[1], view[2]


class Provider(mesa.Agent):
    """A mentee, as a Mesa agent: a view on one row of :class:`Providers`.

    Reading an attribute reads the arrays, so the agent and the vectorised processes never
    disagree. The row is a post; ``person_id`` changes when the post changes hands.
    """

    model = Weak()  # by weak reference (weak.py)

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _arrays(self) -> Providers:
        return self.model.providers

    @property
    def facility_id(self) -> int:
        return int(self._arrays.facility[self.index])

    @property
    def role(self) -> str:
        return ROLES[self._arrays.role[self.index]]

    @property
    def present(self) -> bool:
        return bool(self._arrays.filled[self.index])

    @property
    def person_id(self) -> int:
        return int(self._arrays.person_id[self.index])

    @property
    def skills(self) -> dict[str, float]:
        return dict(zip(DOMAINS, self._arrays.skill[self.index].tolist()))

    @property
    def knowledge(self) -> dict[str, float]:
        return dict(zip(DOMAINS, self._arrays.knowledge[self.index].tolist()))

    @property
    def confidence(self) -> float:
        return float(self._arrays.confidence[self.index])

    @property
    def resistance(self) -> float:
        return float(self._arrays.resistance[self.index])

    @property
    def workload(self) -> float:
        """This week's workload relative to normal (1 = normal)."""
        return float(self.model.facilities.workload[self.facility_id]
                     * self._arrays.workload_factor[self.index])

    @property
    def trained_before(self) -> bool:
        return bool(self._arrays.trained[self.index])

    @property
    def tenure_weeks(self) -> float:
        return float(self._arrays.tenure_weeks[self.index])


#: The coefficients of a new person's starting state, each with the parameter it comes from (the
#: kernel reads them by name: ``k = coef[0]; k.trained_share``; see :func:`entry_coefficients`).
ENTRY_COEF = {
    "individual_sd": "providers.baseline_individual_sd",
    "trained_share": "staff.trained_share",
    "knowledge": "providers.baseline_knowledge",
    "untrained_gap": "providers.untrained_knowledge_gap",
    "resistance_trained": "providers.resistance_trained",
    "resistance_untrained": "providers.resistance_untrained",
    "workload_sd": "workload.individual_sd",
    "whatsapp_access": "providers.whatsapp_access",
    "leave_hazard": "staff.annual_attrition (the weekly hazard, 1 - (1 - annual)^(1/52))",
    "fill_chance": "staff.hiring_delay_weeks (the weekly chance a vacancy is filled, 1 / mean weeks)",
}


def entry_coefficients(p) -> np.ndarray:
    """ENTRY_COEF's values (shares 0-1, SDs on the 0-1 scale, weekly chances) as a one-element
    record (kernel_args.coef_record)."""
    derived = {"leave_hazard": 1.0 - (1.0 - p["staff.annual_attrition"]) ** (1.0 / 52.0),
               "fill_chance": 1.0 / p["staff.hiring_delay_weeks"]}
    return coef_record(ENTRY_COEF, {name: derived[name] if name in derived else p[key]
                                    for name, key in ENTRY_COEF.items()})


def new_person_states(p, rng: np.random.Generator, facility_baseline: np.ndarray,
                      providers: Providers, idx: np.ndarray, week: int = 0) -> None:
    """Give the people now filling posts ``idx`` their starting state.

    Skill: facility baseline + N(0, ``baseline_individual_sd``) per domain. Knowledge:
    ``baseline_knowledge`` (less ``untrained_knowledge_gap`` for those who missed the SS2020
    trainings, share ``1 - staff.trained_share``) + the same spread. Resistance by training.
    No trust yet; workload share lognormal(0, ``workload.individual_sd``). Turnover is drawn
    now: weeks in post ~ geometric with the weekly hazard of ``staff.annual_attrition``, and
    the vacancy after leaving ~ geometric with mean ``staff.hiring_delay_weeks`` (the same law
    as a weekly coin, drawn once, so it costs nothing per week).

    Args:
        p: parameter mapping (read once per mapping: the coefficients are kept with
            ``providers``, see :meth:`Providers.kernel_view`).
        rng: the stream to draw from (``providers`` at set-up, ``turnover`` for new hires).
        facility_baseline: mean baseline practice per facility (share).
        providers: the arrays, written in place.
        idx: post indices.
    """
    m = len(idx)
    if m == 0:
        return
    posts, coef = providers.kernel_view(p)
    _init_people(idx, posts, coef, facility_baseline, rng.standard_normal((m, 9)), rng.random((m, 4)), week)


@kernel
def geometric(prob, u):
    """Weeks until the first success of a weekly chance ``prob`` (>= 1; inf if prob is 0)."""
    if prob <= 0.0:
        return np.inf
    if prob >= 1.0:
        return 1.0
    return math.floor(math.log(1.0 - u) / math.log(1.0 - prob)) + 1.0


@kernel
def _init_people(idx, posts, coef, baseline, z, u, week):
    """The starting state of the people filling posts ``idx`` (see new_person_states).
    ``posts``: a tuple of one kernel_args.Posts (the provider arrays, written in place);
    ``coef``: entry_coefficients; ``baseline`` [n_fac] mean baseline practice; ``z`` [len(idx), 9]
    standard normals (4 skill, 4 knowledge, workload); ``u`` [len(idx), 4] uniforms (trained,
    WhatsApp access, weeks in post, vacancy after)."""
    pr = posts[0]
    k = coef[0]
    for j in range(idx.shape[0]):
        i = idx[j]
        is_trained = u[j, 0] < k.trained_share
        k0 = k.knowledge - (0.0 if is_trained else k.untrained_gap)
        mean = 0.0
        for d in range(4):
            s = min(1.0, max(0.0, baseline[pr.facility[i]] + k.individual_sd * z[j, d]))
            pr.skill[i, d] = s
            pr.skill_floor[i, d] = s
            pr.skill_at_entry[i, d] = s
            mean += s
            kn = min(1.0, max(0.0, k0 + k.individual_sd * z[j, 4 + d]))
            pr.knowledge[i, d] = kn
            pr.knowledge_floor[i, d] = kn
        pr.confidence[i] = mean / 4.0
        pr.confidence_at_entry[i] = mean / 4.0
        pr.trained[i] = is_trained
        pr.resistance0[i] = k.resistance_trained if is_trained else k.resistance_untrained
        pr.resistance[i] = pr.resistance0[i]
        pr.trust[i] = 0.0
        pr.workload_factor[i] = math.exp(k.workload_sd * z[j, 8])
        pr.whatsapp_access[i] = u[j, 1] < k.whatsapp_access
        pr.tenure_weeks[i] = 0.0
        pr.leave_week[i] = week + geometric(k.leave_hazard, u[j, 2])
        pr.vacancy_weeks[i] = geometric(k.fill_chance, u[j, 3])
        for t in range(3):
            pr.coached_days[i, t] = 0.0
        pr.echo_sessions[i] = 0.0
        pr.echo_offered[i] = 0.0
        pr.whatsapp_weeks[i] = 0.0
        pr.contact_days[i] = 0.0
