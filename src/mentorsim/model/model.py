"""The Mesa model: builds facilities, providers and mentors, then steps week by week.

State lives in arrays (``facilities.Facilities``, ``people.Providers``) so a step costs a few
dozen vectorised operations whatever the number of providers; Facility, Provider and Mentor
Mesa agents are the model's face, reading the same arrays. The update order of a step is in
``model/loop.py``.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Mapping

import mesa
import numpy as np

from mentorsim.model import loop, pcg, visits
from mentorsim.model.blocks import facility_blocks
from mentorsim.model.counters import Counters
from mentorsim.model.dose import Dose
from mentorsim.model.facilities import Facilities, Facility
from mentorsim.model.kept import make_room
from mentorsim.model.kernel_args import state_of
from mentorsim.model.learning import receptivity
from mentorsim.model.loop import Dynamics, coefficients
from mentorsim.model.mentors import Mentor, MentorPool, staff_coefficients
from mentorsim.model.people import Provider, Providers, new_person_states
from mentorsim.model.recording import Recorder
from mentorsim.model.telementoring import Sessions, echo_coefficients
from mentorsim.model.visits import visit_coefficients, visit_schedule
from mentorsim.model.weak import WeakMethod
from mentorsim.model.whatsapp import Groups
from mentorsim.model.workforce import Workforce
from mentorsim.randomness import streams
from mentorsim.timeline import WEEKS_PER_MONTH, TimeAxis, month_row  # noqa: F401  (re-exported)


class _AgentIds:
    """Mesa's per-model agent-id counters (``mesa.Agent._ids``), keyed weakly by model.

    Mesa 3.3.1 numbers agents from ``Agent._ids``, a class-level ``defaultdict`` keyed by model:
    every model that ever made an agent stays in memory through it. This model's agent classes
    read their ids from here instead (the same numbering: one counter per model, from
    ``start``), and a model is forgotten as soon as nothing else holds it, whatever tool ran it.
    """

    def __init__(self, start: int = 1):
        self.start = start
        self.counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __getitem__(self, model) -> itertools.count:
        counter = self.counters.get(model)
        if counter is None:
            counter = self.counters[model] = itertools.count(self.start)
        return counter

    def pop(self, model, default=None):
        return self.counters.pop(model, default)

    def start_at(self, model, first: int) -> None:
        """Number ``model``'s next agents from ``first`` (before it has made any)."""
        self.counters[model] = itertools.count(first)

    def __len__(self) -> int:
        return len(self.counters)


#: Provider agents are numbered from here (post ``p`` is ``PROVIDER_ID_BASE + p``) on a counter of
#: their own, so facility and mentor ids (mentor ids are in the visit log) are the same whether or
#: not the provider agents were made, and when. Facility agents are numbered 1 .. n on a counter of
#: their own and mentors from n + 1 on (as when the facilities were made first), so the same holds
#: for the facility agents.
PROVIDER_ID_BASE = 1_000_000_000
#: The streams whose uniforms the weekly kernels draw inline (pcg.py): operations (workload,
#: outcomes), visits (who is busy on a visit day), ECHO attendance, WhatsApp activity, and a
#: visit week's mentors called away (mentors: scheduled visits; rescheduled: owed ones).
KERNEL_STREAMS = ("operations", "visits", "echo", "whatsapp", "mentors", "rescheduled")
AGENT_IDS = _AgentIds(1)
PROVIDER_IDS = _AgentIds(PROVIDER_ID_BASE)
FACILITY_IDS = _AgentIds(1)
Facility._ids = FACILITY_IDS
Mentor._ids = AGENT_IDS
Provider._ids = PROVIDER_IDS


def draw_setting(p, streams) -> tuple[Facilities, Providers]:
    """The setting of a run: the facilities and their posts' starting state (staff in post, their
    skills, knowledge, resistance, turnover dates and time in post), drawn from the ``facilities``
    and ``providers`` streams."""
    fa = Facilities(p, streams["facilities"])
    slot_of_post = np.repeat(np.arange(4 * fa.n), fa.staff.ravel())  # facility x 4 + role, by post
    fac_of_post, role_of_post = slot_of_post // 4, slot_of_post % 4
    pr = Providers(fac_of_post, role_of_post, fa.n)
    rng = streams["providers"]
    new_person_states(p, rng, fa.baseline_skill, pr, np.arange(pr.n))
    mean_tenure = 52.0 / max(p["staff.annual_attrition"], 0.02)
    pr.tenure_weeks[:] = rng.exponential(mean_tenure, pr.n)
    return fa, pr


#: Settings kept (the oldest first out): at most SETTINGS_KEPT, each under SETTING_MAX_POSTS
#: posts and KEPT_POSTS posts in all (a setting of 20,000 posts holds about 20 MB).
SETTINGS_KEPT = 8
SETTING_MAX_POSTS = 20_000
KEPT_POSTS = 40_000
#: Settings by (seed, names of the parameters the setting read, their values): a copy, or None
#: for a setting drawn once (:func:`setting`).
_settings: dict[tuple, tuple[Facilities, Providers] | None] = {}
#: The sets of parameter names a setting was seen to read, in the order first seen (one, unless
#: a parameter's value decides which others are read).
_setting_reads: dict[tuple[str, ...], None] = {}
_UNSEEN = object()
_ABSENT = object()


class _Reading(Mapping):
    """A parameter mapping that notes each name read and the value it gave (absent names too),
    so a setting can be kept under exactly the parameters it was drawn from. Iterating or sizing
    it notes every name."""

    def __init__(self, p: Mapping):
        self._p = p
        self.read: dict[str, object] = {}

    def __getitem__(self, name):
        value = self._p.get(name, _ABSENT)
        self.read[name] = value
        if value is _ABSENT:
            raise KeyError(name)
        return value

    def __iter__(self):
        self.read.update(self._p)
        return iter(self._p)

    def __len__(self):
        self.read.update(self._p)
        return len(self._p)


class ParamsKey(tuple):
    """A parameter mapping as a dict key: its names then its values, ``(*p, *p.values())`` (equal
    for equal mappings with their names in the same order), whose hash is computed once (about
    3 us with ~175 parameters, half what ``tuple(p.items())`` costs)."""

    def __new__(cls, p: Mapping):
        key = tuple.__new__(cls, (*p, *p.values()))
        key._hash = tuple.__hash__(key)  # TypeError for an unhashable value
        return key

    def __hash__(self) -> int:
        return self._hash


def params_key(p: Mapping) -> ParamsKey | None:
    """``p``'s :class:`ParamsKey`, or None if a value is unhashable (then nothing is kept)."""
    try:
        return ParamsKey(p)
    except TypeError:
        return None


#: What a model builds from its parameters alone, kept for this many parameter sets (the most
#: recent first out; a few hundred bytes each).
DERIVED_KEPT = 8
_derived: dict[ParamsKey, dict] = {}


def derive(p: Mapping) -> dict:
    """What a model builds from its parameters ``p`` alone: its time axis and the coefficient
    records of steps 7-12 (``coef``, loop.coefficients), of visits (``visit_coef``), of ECHO
    sessions (``echo_coef``) and of staffing visits (``staff_coef``, mentors.staff_coefficients).
    (:func:`derived` adds ``rows0``: the record's row 0 by seed, Recorder.baseline.)"""
    return {"time": TimeAxis.from_params(p), "coef": coefficients(p, WEEKS_PER_MONTH),
            "visit_coef": visit_coefficients(p), "echo_coef": echo_coefficients(p),
            "staff_coef": staff_coefficients(p, WEEKS_PER_MONTH)}


def derived(p: Mapping) -> dict:
    """:func:`derive` of ``p``: copies of the records kept for an equal mapping if there is one
    (one copy of their bytes, each record a view of it: ~2 us against ~25 us for building them
    at ss2020's parameters), else built now (and a copy kept, unless a value of ``p`` is
    unhashable).
    The time axis is immutable and shared, and so is ``rows0`` (not made for a mapping with an
    unhashable value): the record's row 0 by seed, which Recorder.baseline fills and reads."""
    key = params_key(p)
    if key is None:
        return derive(p)
    kept = _derived.get(key)
    if kept is None:  # built now: these records are the model's, a packed copy is kept
        built = derive(p)
        kept = _packed_records(built)
        make_room(_derived, DERIVED_KEPT)
        _derived[key] = kept
        built["rows0"] = kept["rows0"]
        return built
    out = dict(kept)
    del out[_RECORD_BYTES]
    buffer, spans = kept[_RECORD_BYTES]
    mine = buffer.copy()
    for name, lo, hi, dtype in spans:
        out[name] = mine[lo:hi].view(dtype)
    return out


#: The key under which a kept entry of :func:`derived` holds its records' bytes (one buffer,
#: each record a view of it) and where each is: (buffer, ((name, first byte, end, dtype), ...)).
_RECORD_BYTES = "_record_bytes"


def _packed_records(built: dict) -> dict:
    """``built`` (:func:`derive`'s) with its records copied into one byte buffer (each a view of
    it, at a multiple of 8 bytes), which is noted under _RECORD_BYTES, and ``rows0``."""
    records = {name: value for name, value in built.items() if isinstance(value, np.ndarray)}
    spans, at = [], 0
    for name, record in records.items():
        spans.append((name, at, at + record.nbytes, record.dtype))
        at += -(-record.nbytes // 8) * 8
    buffer = np.zeros(at, dtype=np.uint8)
    out = dict(built)
    for name, lo, hi, dtype in spans:
        buffer[lo:hi] = records[name].view(np.uint8)
        out[name] = buffer[lo:hi].view(dtype)
    out[_RECORD_BYTES] = (buffer, tuple(spans))
    out["rows0"] = {}  # row 0 of the record by seed (Recorder.baseline), shared by the parameter set's models
    return out


def setting(p: Mapping, seed: int, streams) -> tuple[Facilities, Providers]:
    """:func:`draw_setting` for a run of ``seed`` with parameters ``p``, as copies of the one
    drawn for an earlier run if one is kept whose seed and whose values of the parameters the
    setting read (facilities, staffing, starting states: ~40 of them) are ``p``'s: runs of a
    seed that differ only in other parameters (strategies, replicates, most design points of a
    sweep) share it. The draw is a function of those values and the seed's two streams
    (randomness.SETTING_STREAMS, the same for every replicate and read by nothing else), so the
    copy is what drawing again would give (a copy costs ~15 us against ~220 us for drawing at
    ss2020's size). A setting is kept from the second run that draws it on (the first notes it:
    runs that never repeat pay a look-up, not a copy)."""
    seed = int(seed)
    try:
        for names in tuple(_setting_reads):  # (a snapshot: another thread may add one)
            key = (seed, names, tuple(p.get(name, _ABSENT) for name in names))
            kept = _settings.get(key, _UNSEEN)
            if kept is not _UNSEEN:
                break
        else:
            key, kept = None, _UNSEEN
    except TypeError:  # an unhashable parameter value: draw, keep nothing
        return draw_setting(p, streams)
    if kept is not _UNSEEN and kept is not None:
        return _copy_facilities(kept[0]), kept[1].copy()
    reading = _Reading(p)
    fa, pr = draw_setting(reading, streams)
    if pr.n >= SETTING_MAX_POSTS:  # a large model's setting is not kept
        return fa, pr
    if key is None:  # drawn for the first time: note what it read
        names = tuple(reading.read)
        _setting_reads.setdefault(names, None)
        try:
            key = (seed, names, tuple(reading.read.values()))
            hash(key)
        except TypeError:
            return fa, pr
        _make_room_for(0)
        _settings[key] = None
    else:  # drawn a second time: keep a copy
        _make_room_for(pr.n)
        _settings[key] = (_copy_facilities(fa), pr.copy())
    return fa, pr


def _make_room_for(posts: int) -> None:
    """Forget the oldest settings until one more of ``posts`` posts fits (SETTINGS_KEPT,
    KEPT_POSTS)."""
    def kept_posts():  # (over a snapshot: another thread may change the cache meanwhile)
        return sum(kept[1].n for kept in list(_settings.values()) if kept is not None)

    while _settings and (len(_settings) >= SETTINGS_KEPT or kept_posts() + posts > KEPT_POSTS):
        make_room(_settings, len(_settings))  # the oldest out


def _copy_facilities(fa: Facilities) -> Facilities:
    """An independent copy of ``fa`` (every array copied)."""
    new = Facilities.__new__(Facilities)
    new.__dict__.update({name: value.copy() if isinstance(value, np.ndarray) else value
                         for name, value in vars(fa).items()})
    return new


class MentorshipModel(mesa.Model):
    """Agent-based model of a multimodal surgical mentorship programme (the kernel: a full,
    already checked parameter mapping in, the weekly record out, as :func:`mentorsim.simulate`
    runs it). Mesa users want :class:`mentorsim.MentorshipModel` (runner.py), its subclass with
    keyword construction, validation and a ``datacollector``.

    Args:
        params: full parameter mapping (``Scenario.params``), not checked here.
        seed: run seed; with ``replicate`` it fixes every random stream.
        replicate: replicate number (0-based).

    Examples:
        >>> from mentorsim import load_scenario
        >>> from mentorsim.model.model import MentorshipModel
        >>> model = MentorshipModel(load_scenario("ss2020").params, seed=1).run()
        >>> model.week == model.time.total_weeks, model.facilities.n
        (True, 20)
        >>> model.release()
    """

    def __init__(self, params: Mapping, seed: int = 1, replicate: int = 0):
        self.streams = streams(seed, replicate)
        #: the PCG64 state of each stream the kernels draw uniforms from inline (pcg.words: views
        #: of the Generators' own state, so numpy and the kernels draw from one stream)
        self.rng_states = {name: pcg.words(self.streams[name]) for name in KERNEL_STREAMS}
        super().__init__(rng=self.streams["mesa"])
        # Mesa keeps its step wrapper on the model as bound methods of it; the same calls through
        # weak references, as the agents' and the pool's references back (weak.py: no reference
        # cycle runs through a model, so it is freed, and its memory reused, as soon as it is dropped)
        self.step = WeakMethod(self.step)
        self._user_step = WeakMethod(self._user_step)
        self.seed_value = int(seed)
        self.replicate = int(replicate)
        self.p = dict(params)
        derived_ = derived(self.p)  # what the parameters alone give, kept per parameter set
        self.time = derived_["time"]
        self.survey_week = self.time.survey_week
        self.week = 0
        self.counters = Counters()  # people who left, posts filled, ECHO sessions held, visits missed
        self.facilities, self.providers = setting(self.p, self.seed_value, self.streams)
        fa, pr = self.facilities, self.providers
        self._facility_agents: list[Facility] | None = None
        AGENT_IDS.start_at(self, 1 + fa.n)  # mentors after the facilities' ids
        self.blocks = facility_blocks(pr.first_post)  # how a week's per-post work is split (blocks.py)
        self._provider_agents: list[Provider] | None = None
        self.promoted_person_ids: list[int] = []
        self._posts_by_region_role: tuple | None = None
        self.pool = MentorPool(self, self.p, fa, WEEKS_PER_MONTH, derived_["staff_coef"])
        self.recept = receptivity(self)
        self.visit_schedule = visit_schedule(self)
        self.dose = Dose(fa.n, self.time.programme_weeks)  # visits made, missed, carried over
        fa.operations_per_week = fa.operations_per_month / WEEKS_PER_MONTH
        self.workforce = Workforce(self)  # what turnover's and workload's weeks read, gathered once
        self.programme_runs = bool(self.p["visits.enabled"] or self.p["echo.enabled"]
                                   or self.p["whatsapp.enabled"])
        self.coef = derived_["coef"]
        #: the arrays the kernels read by name (kernel_args.py), and the visits' and ECHO sessions' coefficients
        self.state = state_of(self)
        self.visit_coef = derived_["visit_coef"]
        self.echo_coef = derived_["echo_coef"]
        self.sessions = Sessions(self)  # what ECHO's weeks read, gathered once
        self.record = Recorder(self.time.total_weeks, fa.n)
        self.record.baseline(self, derived_.get("rows0"))  # row 0: before the first week (no operations yet)
        self.sessions.gather_run(self)
        self.visit_runs = visits.run_of(self)  # what a visit week reads, gathered once
        self.whatsapp_groups = Groups(self)  # what WhatsApp's weeks read, gathered once
        self.dynamics = Dynamics(self)
        self.plan = loop.week_plan(self)  # the processes each week runs (loop.STEP_ORDER)

    @property
    def facility_agents(self) -> list[Facility]:
        """Facility Mesa agents, one per facility, created on first use (views on the arrays; ids
        1 .. n). The public :class:`mentorsim.MentorshipModel` makes them when it is built;
        :func:`mentorsim.simulate` does not (20 agents cost ~30 us of a model's set-up, 4,400
        about 6 ms)."""
        if self._facility_agents is None:
            self._facility_agents = [Facility(self, f) for f in range(self.facilities.n)]
        return self._facility_agents

    @property
    def provider_agents(self) -> list[Provider]:
        """Provider Mesa agents, one per post, created on first use (views on the arrays; ids
        ``PROVIDER_ID_BASE + post``). The public :class:`mentorsim.MentorshipModel` makes them when
        it is built; :func:`mentorsim.simulate` does not (456 agents cost ~1.3 ms, 14% of a run)."""
        if self._provider_agents is None:
            self._provider_agents = [Provider(self, i) for i in range(self.providers.n)]
        return self._provider_agents

    @property
    def mentor_agents(self):
        """Mentor Mesa agents (hub, regional, replacements), in order of arrival."""
        return self.pool.all

    @property
    def finished(self) -> bool:
        """True once the follow-up's last week has been run."""
        return self.week >= self.time.total_weeks

    def step(self) -> None:
        """One week (see loop.py for the order of updates). After the follow-up's last week
        ``running`` turns False (so Mesa's ``run_model`` and ``batch_run`` stop) and the model is
        released (see :meth:`release`).

        Raises:
            RuntimeError: stepping a model whose run has ended.
        """
        if self.finished:
            raise RuntimeError(f"the run has ended: all {self.time.total_weeks} weeks (programme and "
                               "follow-up) are done; build a new model to run again")
        loop.step(self)
        if self.finished:
            self._end()

    def run(self) -> MentorshipModel:
        """Run the programme and the follow-up from the week reached: the same as calling step()
        every week, without Mesa's per-step log message. A model of one block runs as a batch of
        one (loop.run_batch: its compiled steps in one call up to each Python step that acts)."""
        if len(self.blocks) == 1:
            loop.run_batch([self])
        else:
            for _ in range(self.time.total_weeks - self.week):
                self.steps += 1
                loop.step(self)
        self._end()
        return self

    def _end(self) -> None:
        self.running = False
        self.release()

    def release(self) -> None:
        """Forget this model's agent-id counters (see :class:`_AgentIds`; they are weak references
        anyway, this frees them at once). Done when the run ends; no agents may be created
        afterwards."""
        AGENT_IDS.pop(self, None)
        PROVIDER_IDS.pop(self, None)
        FACILITY_IDS.pop(self, None)
        mesa.Agent._ids.pop(self, None)

    def promote_mentee(self, region: int, discipline: int) -> bool:
        """Make the most skilled mentee of ``discipline`` in ``region`` a mentor (they stay in
        post); False if the region has no such mentee."""
        pr = self.providers
        posts = self._mentee_posts(region, discipline)
        cand = posts[pr.filled[posts]]
        if len(cand) == 0:
            return False
        best = cand[np.argmax(pr.skill[cand].mean(axis=1))]
        self.promoted_person_ids.append(int(pr.person_id[best]))
        return True

    def _mentee_posts(self, region: int, role: int) -> np.ndarray:
        """Intervention posts of ``role`` in ``region``, in post order (the index is built on
        first use; posts are fixed)."""
        if self._posts_by_region_role is None:
            pr, fa = self.providers, self.facilities
            posts = np.flatnonzero(fa.intervention[pr.facility])
            key = fa.region[pr.facility[posts]] * 4 + pr.role[posts]
            order = np.argsort(key, kind="stable")
            bounds = np.searchsorted(key[order], np.arange(4 * max(fa.n_regions, 1) + 1))
            self._posts_by_region_role = (posts[order], bounds)
        posts, bounds = self._posts_by_region_role
        k = region * 4 + role
        return posts[bounds[k]:bounds[k + 1]]
