"""Every parameter of the model, declared once: name, unit, default, range, source tag.

This table is the single source for scenario validation, ``mentorsim params``, the parameter
table in docs/ODD.md and the prior ranges used by calibration and sensitivity analysis.

Source tags:
  ``cited``       the default comes from a publication (``source`` names it, see sources.py);
  ``assumption``  no published figure; the range is deliberately wide;
  ``calibrated``  the default was fitted to the published targets (calibration/).

Time in the model runs in weeks; parameters are stated in the unit people use (months, a year)
and converted where they are read.
"""

from __future__ import annotations

from mentorsim.parameters.calibrated import apply_calibration
from mentorsim.parameters.cost_table import COST_PARAMS
from mentorsim.parameters.spec import TAGS, B, Param, Value, _p  # noqa: F401  (re-exported)

MODEL_PARAMS: tuple[Param, ...] = (
    # --- programme timing -------------------------------------------------------------------
    _p("programme.months", "months", 17, 1, 60, "cited", "HRH2021",
       "Duration of the mentorship programme (June 2018 onward)."),
    _p("programme.survey_month", "months", 14, 1, 60, "cited", "HRH2021",
       "Month of the emulated mentee survey."),
    _p("followup.months", "months", 24, 0, 120, "assumption", "Assumption",
       "Follow-up horizon after the programme ends, during which only what is kept continues."),
    _p("followup.local_visit_interval_weeks", "weeks", 0, 0, 52, "assumption", "Assumption",
       "Visits by the local mentor pool after the programme ends (0 = none)."),
    _p("followup.whatsapp", "bool", False, *B, "assumption", "Assumption",
       "WhatsApp groups continue after the programme ends."),
    _p("followup.echo_interval_weeks", "weeks", 0, 0, 52, "assumption", "Assumption",
       "Telementoring after the programme ends (0 = none)."),
    # --- facilities -------------------------------------------------------------------------
    _p("facilities.intervention", "count", 10, 0, 5000, "cited", "HRH2021",
       "Facilities receiving mentorship."),
    _p("facilities.comparison", "count", 10, 0, 5000, "cited", "IJQHC2021",
       "Comparison facilities without mentorship (secular trend only), for difference-in-differences."),
    _p("facilities.share_regional", "share", 0.2, 0, 1, "assumption", "Assumption",
       "Share of facilities that are regional referral hospitals."),
    _p("facilities.share_health_centre", "share", 0.3, 0, 1, "assumption", "Assumption",
       "Share of facilities that are health centres (the rest are district hospitals)."),
    _p("facilities.operations_per_month", "operations/month", 90.0, 10, 500, "cited", "HRH2021",
       "Major operations a month at a typical (district) facility."),
    _p("facilities.caesarean_share", "share", 0.54, 0.2, 0.9, "cited", "DiMeo",
       "Share of operations that are caesarean sections."),
    _p("facilities.beds", "beds", 200.0, 30, 600, "cited", "HRH2021",
       "Beds at a typical (district) facility (typical range 101-300)."),
    _p("facilities.size_sd", "log-sd", 0.2, 0, 1, "assumption", "Assumption",
       "Spread of beds, operations and staffing between facilities of one level."),
    _p("facilities.leadership_mean", "share", 0.5, 0, 1, "assumption", "Assumption",
       "Mean leadership engagement (0 none, 1 fully receptive)."),
    _p("facilities.teamwork_culture_mean", "share", 0.4, 0, 1, "assumption", "BMJQS2021",
       "Mean pre-existing teamwork culture."),
    _p("facilities.learning_orientation_mean", "share", 0.4, 0, 1, "assumption", "BMJQS2021",
       "Mean collective learning orientation."),
    _p("facilities.connectivity_mean", "share", 0.5, 0, 1, "assumption", "HRH2021",
       "Mean internet connectivity for telementoring (poor internet reported)."),
    _p("facilities.context_sd", "share", 0.15, 0, 0.4, "assumption", "Assumption",
       "Between-facility standard deviation of leadership, culture and connectivity."),
    _p("facilities.context_baseline_slope", "share/unit context", 0.4, 0.0, 1.0, "assumption", "BMJQS2021",
       "Rise in a facility's baseline practice per unit of context (mean of leadership, teamwork culture "
       "and learning orientation): better-prepared facilities start higher. The total between-facility "
       "sd stays providers.baseline_facility_sd; the rest of it is independent."),
    _p("facilities.distance_hub_km", "km", 250.0, 20, 800, "assumption", "Assumption",
       "Mean road distance from the hub (Bugando, Mwanza) to a facility in Mara or Kagera."),
    _p("facilities.distance_sd", "log-sd", 0.3, 0, 1, "assumption", "Assumption",
       "Spread of distances between facilities."),
    _p("facilities.distance_local_km", "km", 60.0, 0, 300, "assumption", "Assumption",
       "Mean road distance from a regional mentor's base to a facility in the same region."),
    # --- staffing ---------------------------------------------------------------------------
    _p("staff.surgical_providers", "count", 5, 1, 50, "assumption", "Assumption",
       "Surgical providers (mostly non-specialist MOs and AMOs) at a typical facility."),
    _p("staff.anaesthesia_providers", "count", 3, 1, 30, "assumption", "Assumption",
       "Anaesthesia providers at a typical facility."),
    _p("staff.theatre_nurses", "count", 6, 1, 60, "assumption", "Assumption",
       "Theatre nurses at a typical facility."),
    _p("staff.ward_nurses", "count", 8, 1, 80, "assumption", "Assumption",
       "Post-surgical and post-natal ward nurses at a typical facility."),
    _p("staff.annual_attrition", "share/year", 0.10, 0.0, 0.5, "cited", "Attrition",
       "Share of providers leaving their post in a year (2%-12%/year reported)."),
    _p("staff.hiring_delay_weeks", "weeks", 12.0, 1, 104, "assumption", "Assumption",
       "Mean time to fill a vacant post."),
    _p("staff.trained_share", "share", 0.75, 0, 1, "assumption", "HRH2021",
       "Share of providers who attended the SS2020 trainings before mentorship."),
    # --- providers at baseline --------------------------------------------------------------
    _p("providers.baseline_skill", "share", 0.12, 0, 1, "cited", "BMJQS2021",
       "Mean practice of the observed safety and teamwork behaviours at baseline (composite 12%)."),
    _p("providers.baseline_facility_sd", "share", 0.045, 0, 0.2, "cited", "BMJQS2021",
       "Between-facility sd of baseline practice (composite range 5-19%)."),
    _p("providers.baseline_individual_sd", "share", 0.05, 0, 0.2, "assumption", "Assumption",
       "Within-facility sd of baseline skill."),
    _p("providers.baseline_knowledge", "share", 0.30, 0, 1, "assumption", "Assumption",
       "Mean explicit knowledge after the SS2020 trainings."),
    _p("providers.untrained_knowledge_gap", "share", 0.15, 0, 0.5, "assumption", "HRH2021",
       "Knowledge lower for providers who missed the trainings."),
    _p("providers.resistance_trained", "share", 0.25, 0, 1, "assumption", "HRH2021",
       "Initial resistance to mentorship of providers who attended the trainings."),
    _p("providers.resistance_untrained", "share", 0.55, 0, 1, "assumption", "HRH2021",
       "Initial resistance of providers who missed the trainings (less buy-in)."),
    _p("providers.whatsapp_access", "share", 0.75, 0, 1, "assumption", "HRH2021",
       "Share of providers with WhatsApp access (some lacked it)."),
    # --- learning and decay -----------------------------------------------------------------
    _p("learning.visit_tacit_rate", "share/coached day", 0.10, 0.005, 0.4, "assumption", "Assumption",
       "Share of the remaining skill gap closed by one day of side-by-side coaching."),
    _p("learning.visit_explicit_rate", "share/coached day", 0.03, 0.0, 0.2, "assumption", "Assumption",
       "Share of the knowledge gap closed by one visit day (debriefs, action plan)."),
    _p("learning.echo_explicit_rate", "share/session", 0.06, 0.0, 0.3, "assumption", "Assumption",
       "Share of the knowledge gap in the session's topic closed by one 80-minute session."),
    _p("learning.whatsapp_rate", "share/week", 0.01, 0.0, 0.1, "assumption", "Assumption",
       "Share of the knowledge gap closed by a week of active WhatsApp exchange."),
    _p("learning.knowledge_to_skill_rate", "share/week", 0.015, 0.0, 0.1, "assumption", "Assumption",
       "Weekly share of the skill gap closed by practice per unit of explicit knowledge gained."),
    _p("learning.absorptive_capacity", "multiplier", 2.0, 0.0, 5.0, "assumption", "HRH2021",
       "Rise in what a coaching day transfers per unit of explicit knowledge gained (modalities "
       "complement: what sessions taught, coaching turns into skill)."),
    _p("learning.skill_primes_knowledge", "multiplier", 2.0, 0.0, 5.0, "assumption", "HRH2021",
       "Rise in what a telementoring session transfers, and in how fast knowledge reaches practice, "
       "per unit of practised skill gained (the other half of the complementarity)."),
    _p("learning.context_uptake", "1/unit context", 2.0, 0.0, 4.0, "assumption", "BMJQS2021",
       "Absorptive capacity: relative rise in what each coaching day, session and message achieves per "
       "unit of facility context above the mean (higher performers capitalised on the programme)."),
    _p("learning.resistance_effect", "share", 0.8, 0.0, 1.0, "assumption", "HRH2021",
       "Share of learning blocked at full resistance."),
    _p("learning.trust_rate", "share/contact day", 0.15, 0.0, 0.5, "assumption", "HRH2021",
       "Share of the trust gap closed per day of contact; trust lowers resistance."),
    _p("learning.skill_half_life_months", "months", 17.0, 12, 22, "cited", "DecayLMIC",
       "Half-life of skill gains without reinforcement."),
    _p("learning.knowledge_half_life_months", "months", 10.0, 5, 15, "cited", "DecayLMIC",
       "Half-life of knowledge gains without reinforcement."),
    _p("learning.reinforcement_protection", "share", 0.5, 0.0, 1.0, "assumption", "DecayLMIC",
       "Share of a week's decay prevented by contact (coaching, session, active WhatsApp)."),
    _p("learning.leadership_sustain", "share", 0.4, 0.0, 1.0, "assumption", "HRH2021",
       "Share of decay prevented at full leadership engagement."),
    _p("learning.peer_rate", "share/week", 0.02, 0.0, 0.2, "assumption", "BMJQS2021",
       "Weekly pull of a provider's skill toward the team mean, at full team culture."),
    _p("learning.culture_floor", "share", 0.3, 0.0, 1.0, "assumption", "BMJQS2021",
       "Teamwork-domain receptivity of a team with no teamwork culture."),
    _p("learning.teamwork_receptivity_full", "multiplier", 2.0, 0.5, 3.0, "assumption", "BMJQS2021",
       "Teamwork-domain receptivity of a team with full teamwork culture (was fixed at 1): teamwork "
       "behaviours are collective, so where culture allows, one coached member's practice is taken up "
       "by the team and teamwork can gain more than safety."),
    _p("learning.culture_growth_rate", "share/week", 0.01, 0.0, 0.1, "assumption", "BMJQS2021",
       "Weekly growth of team culture toward practised teamwork (culture change comes later)."),
    _p("learning.safety_first_level", "share", 0.5, 0.0, 1.0, "assumption", "ChangeContinuum",
       "Theatre safety adherence a team without teamwork culture needs before it takes up teamwork "
       "learning fully (a team of culture c needs this x (1 - c)); until then it takes up teamwork "
       "in proportion to its safety progress and puts the rest into safety (seed 003: lower "
       "performers overhauled safety practice first and turned to culture change much later). "
       "0 = always ready."),
    _p("learning.confidence_rate", "share/week", 0.1, 0.0, 1.0, "assumption", "Assumption",
       "Weekly rate at which confidence follows mean skill."),
    _p("learning.secular_rate", "share/week", 0.004, 0.0, 0.02, "assumption", "IJQHC2021",
       "Weekly drift of everyone's practice floor toward the secular ceiling (both arms): what the "
       "national SSC roll-out and the other programmes did; calibrated to the comparison arm's "
       "12-month change (the DiDs)."),
    _p("learning.secular_ceiling", "share", 0.8, 0.35, 1.0, "assumption", "SecularTrend",
       "Ceiling of the secular trend; at least the comparison arm's implied month-12 level (~35%)."),
    _p("learning.secular_end_month", "months", 180.0, 0, 180, "assumption", "SecularTrend",
       "Month after which the secular trend stops (its drivers end); 180 = never within a run."),
    _p("learning.secular_ssc_share", "share", 0.5, 0.0, 1.0, "assumption", "SecularTrend",
       "Share of the secular trend that follows the national SSC roll-out's pace (its weekly "
       "progress, ssc.rollout_rate, relative to month 0: strong while the roll-out spreads, fading "
       "as it completes); the rest (other programmes) is constant. 0 = a constant trend."),
    # --- workload ---------------------------------------------------------------------------
    _p("workload.operations_per_provider_month", "operations/month", 20.0, 5, 100, "assumption", "Assumption",
       "Operations a surgical provider handles in a month at normal workload."),
    _p("workload.individual_sd", "log-sd", 0.2, 0, 1, "assumption", "Assumption",
       "Spread of workload between providers of one facility."),
    _p("workload.busy_base", "share", 0.2, 0.0, 0.9, "assumption", "HRH2021",
       "Chance a mentee is taken by routine work on a contact day at normal workload."),
    _p("workload.busy_sensitivity", "share", 0.4, 0.0, 2.0, "assumption", "HRH2021",
       "Rise in that chance per unit of workload above normal (shortage)."),
    _p("workload.leadership_release", "share", 0.5, 0.0, 1.0, "assumption", "HRH2021",
       "Share of busy time that a fully engaged leadership releases for mentorship."),
    _p("workload.practice_block", "share", 0.5, 0.0, 1.0, "assumption", "HRH2021",
       "Share of practising new skills blocked when busy."),
    # --- in-person visits -------------------------------------------------------------------
    _p("visits.enabled", "bool", True, *B, "cited", "HRH2021", "In-person mentor visits."),
    _p("visits.interval_weeks", "weeks", 9, 1, 52, "cited", "HRH2021",
       "Weeks between visits to a facility (every 2 months)."),
    _p("visits.days", "days", 2, 1, 10, "cited", "HRH2021", "Days per visit."),
    _p("visits.track_clinical_share", "share", 0.5, 0, 1, "assumption", "HRH2021",
       "Share of mentor time on the clinical track (two of four mentors)."),
    _p("visits.track_data_share", "share", 0.25, 0, 1, "assumption", "HRH2021",
       "Share of mentor time on the data track; the rest goes to the patient pathway track."),
    _p("visits.cross_discipline_factor", "share", 0.3, 0, 1, "assumption", "HRH2021",
       "What a mentor transfers to another discipline relative to their own (discipline match)."),
    _p("visits.leadership_gain", "share/visit", 0.03, 0, 0.3, "assumption", "HRH2021",
       "Share of the leadership-engagement gap closed by a visit's closing debrief."),
    # --- telementoring (Project ECHO) -------------------------------------------------------
    _p("echo.enabled", "bool", True, *B, "cited", "HRH2021", "Telementoring sessions."),
    _p("echo.interval_weeks", "weeks", 2, 1, 12, "cited", "HRH2021",
       "Weeks between sessions (text says biweekly; Table 1 says weekly)."),
    _p("echo.session_minutes", "minutes", 80.0, 20, 240, "cited", "HRH2021", "Session length."),
    _p("echo.base_attendance", "share", 0.8, 0, 1, "assumption", "Ngowi2024",
       "Attendance of a free, connected, willing provider."),
    _p("echo.after_hours_penalty", "share", 0.3, 0, 1, "assumption", "HRH2021",
       "Attendance lost because sessions ran after hours, unpaid."),
    _p("echo.connectivity_weight", "share", 0.6, 0, 1, "assumption", "HRH2021",
       "How much poor connectivity lowers attendance."),
    _p("echo.resistance_weight", "share", 0.5, 0, 1, "assumption", "HRH2021",
       "How much resistance lowers attendance."),
    _p("echo.international_share", "share", 0.25, 0, 1, "assumption", "HRH2021",
       "Share of sessions by international faculty in English without translation."),
    _p("echo.language_comprehension", "share", 0.6, 0, 1, "assumption", "HRH2021",
       "Share of a session's content understood without translation."),
    # --- WhatsApp groups --------------------------------------------------------------------
    _p("whatsapp.enabled", "bool", True, *B, "cited", "HRH2021",
       "Regional WhatsApp groups (one per region)."),
    _p("whatsapp.weekly_engagement", "share/week", 0.3, 0, 1, "assumption", "HRH2021",
       "Chance a provider with access is active in the group in a week."),
    _p("whatsapp.exchange_rate", "share/week", 0.02, 0, 0.2, "assumption", "HRH2021",
       "Pull of an active member's knowledge toward the best facility in the region."),
    _p("whatsapp.consultations_per_active", "count/week", 0.2, 0, 2, "assumption", "HRH2021",
       "Case consultations asked per active member per week."),
    # --- mentors ----------------------------------------------------------------------------
    _p("mentors.teams", "count", 1, 1, 500, "cited", "HRH2021",
       "Hub mentor teams of four (surgeon/obstetrician, anaesthesia, theatre nurse, ward nurse)."),
    _p("mentors.local_share", "share", 0.5, 0, 1, "cited", "HRH2021",
       "Share of team positions held by regional (local) mentors after the handover."),
    _p("mentors.handover_month", "months", 12, 0, 60, "cited", "HRH2021",
       "Month from which regional mentors replace hub mentors (0 = from the start)."),
    _p("mentors.training_days", "days", 3, 0, 20, "cited", "HRH2021",
       "Mentorship training of a new regional mentor."),
    _p("mentors.pairing_months", "months", 6, 0, 24, "cited", "HRH2021",
       "Months a new regional mentor works side by side with hub mentors before the handover."),
    _p("mentors.available_days_per_month", "days/month", 16.0, 1, 30, "assumption", "HRH2021",
       "Days a mentor can give to mentorship (competing clinical and personal demands)."),
    _p("mentors.max_banked_months", "months", 2.0, 0.25, 12, "assumption", "Assumption",
       "Unused mentor days carried forward, at most this many months' worth."),
    _p("mentors.experience_half_years", "years", 3.0, 0.1, 20, "assumption", "Assumption",
       "Clinical experience at which a mentor transfers half of what experience can add."),
    _p("mentors.unavailable_prob", "share", 0.1, 0, 1, "assumption", "HRH2021",
       "Chance a mentor misses a planned visit for competing demands."),
    _p("mentors.km_per_travel_day", "km/day", 250.0, 50, 800, "assumption", "Assumption",
       "Road distance covered in a day of travel."),
    _p("mentors.local_day_trips", "bool", False, 0, 1, "assumption", "HRH2021",
       "Regional mentors return home each night (a round trip per visit day) instead of staying near the facility."),
    _p("mentors.facilities_per_trip", "count", 5, 1, 20, "assumption", "Assumption",
       "Facilities a hub team visits on one trip (one region's round)."),
    _p("mentors.hub_mentoring_skill", "share", 0.8, 0, 1, "assumption", "HRH2021",
       "Mentoring effectiveness of an experienced hub mentor."),
    _p("mentors.local_mentoring_skill", "share", 0.8, 0, 1, "assumption", "HRH2021",
       "Mentoring effectiveness of a newly trained regional mentor (default: as a hub mentor; both "
       "had the SS2020 mentorship training; experience and context are separate factors)."),
    _p("mentors.mentoring_skill_gain", "share", 0.15, 0, 0.5, "assumption", "HRH2021",
       "Mentoring skill a mentor (hub or regional) gains by mentoring, at saturation (mentors "
       "reported their own skills and confidence grew; 0.15 = the former gain of a regional "
       "mentor's pairing period)."),
    _p("mentors.mentoring_skill_half_visits", "visits", 13.0, 1, 100, "assumption", "HRH2021",
       "Visits made (led, or paired with a hub mentor) at which a mentor has half of "
       "mentoring_skill_gain (13 = a regional mentor's paired visits in the 6 pairing months)."),
    _p("mentors.hub_prior_visits", "visits", 55.0, 0, 200, "assumption", "HRH2021",
       "Mentoring experience a hub mentor starts with, in visits (specialists of the zonal teaching "
       "hospital, selected for clinical experience and interpersonal skills; 55 = a hub mentor's "
       "visits in the programme's first year, so hub_mentoring_skill is that of a mentor with a "
       "year's experience)."),
    _p("mentors.local_context_bonus", "share", 0.25, 0, 1, "assumption", "HRH2021",
       "Extra transfer per contact, and faster trust, from a mentor who knows the local context "
       "(more relatable)."),
    _p("mentors.hub_experience_years", "years", 12.0, 0, 40, "assumption", "Assumption",
       "Clinical experience of a hub mentor."),
    _p("mentors.local_experience_years", "years", 6.0, 0, 40, "assumption", "Assumption",
       "Clinical experience of a regional mentor."),
    _p("mentors.annual_attrition", "share/year", 0.1, 0, 0.5, "assumption", "Attrition",
       "Share of regional mentors lost in a year (replaced by training a new one)."),
    # --- outcomes ---------------------------------------------------------------------------
    _p("outcomes.safety_indicators", "count", 8, 1, 13, "assumption", "BMJQS2021",
       "Of the 14 observed indicators, how many are safety practices (rest teamwork)."),
    _p("ssc.baseline_use", "share", 0.037, 0, 0.5, "cited", "Ernest2021",
       "SSC use (share of operations, chart review) at baseline, both arms (3.7% before SS2020)."),
    _p("ssc.rollout_rate", "share/month", 0.03, 0.0, 0.2, "assumption", "Hellar2020",
       "Share of the SSC-use gap the national roll-out closes a month, both arms (calibrated to "
       "Hellar's 98% of facilities reporting use in December 2018; no chart data)."),
    _p("ssc.programme_rate", "share/month", 0.31, 0.0, 1.0, "cited", "Ernest2021",
       "Extra share of the SSC-use gap closed a month at an intervention facility during the "
       "programme, per unit of theatre checklist level (calibrated with the learning rates to "
       "Ernest's 95.1% at month 18: calibration/targets.toml)."),
    _p("ssc.report_threshold", "share", 0.1, 0.0, 1.0, "assumption", "Hellar2020",
       "SSC use at which a facility reports using the checklist (self-report, Hellar 2020)."),
    _p("ssi.risk_caesarean", "share", 0.109, 0.03, 0.3, "cited", "SSIbaseline",
       "SSI risk after caesarean section at baseline practice."),
    _p("ssi.risk_other", "share", 0.10, 0.02, 0.3, "assumption", "SSIbaseline",
       "SSI risk after other major operations at baseline practice."),
    _p("ssi.relative_risk_full", "ratio", 0.65, 0.02, 1.0, "cited", "SSIeffect",
       "SSI relative risk at full exposure vs baseline (log-linear): 1 trial, 0.65 association, "
       "0.03 pre-post."),
    _p("ssi.ssc_weight", "share", 0.5, 0.0, 1.0, "assumption", "SSIeffect",
       "Weight of SSC use (vs safety-practice adherence) in the exposure that protects from SSI."),
    _p("ssi.reference_adherence", "share", 0.12, 0, 1, "cited", "BMJQS2021",
       "Safety adherence at which the baseline SSI risks were observed."),
    _p("ssi.case_fatality_caesarean", "share", 0.01, 0, 0.022, "assumption", "CaseFatality",
       "Extra in-hospital death risk of a caesarean patient with an SSI (at most 0.24%/10.9%)."),
    _p("ssi.case_fatality_other", "share", 0.01, 0, 0.1, "assumption", "CaseFatality",
       "Extra in-hospital death risk of a non-obstetric patient with an SSI."),
    _p("mortality.caesarean", "share", 0.0024, 0, 0.05, "cited", "Wurdeman2021",
       "In-hospital post-operative mortality after caesarean section."),
    _p("mortality.other", "share", 0.0262, 0, 0.1, "cited", "Wurdeman2021",
       "In-hospital post-operative mortality after non-obstetric operations."),
    # --- survey -----------------------------------------------------------------------------
    _p("survey.response_rate", "share", 0.82, 0, 1, "cited", "HRH2021", "Survey response rate."),
    _p("survey.min_tenure_months", "months", 6.0, 0, 14, "assumption", "Assumption",
       "Months in post needed to be invited to the survey."),
    _p("survey.desired_contact_days", "days", 8.0, 1, 60, "assumption", "HRH2021",
       "Coaching days by month 14 at which a mentee finds the dose sufficient (some found it low)."),
    _p("survey.leniency", "logit", 1.5, -3, 5, "assumption", "HRH2021",
       "Shift of all answers toward agreement (social desirability bias)."),
    _p("survey.signal_weight", "logit/unit", 4.0, 0, 20, "assumption", "Assumption",
       "How strongly a mentee's experience moves their answers."),
    _p("survey.noise", "logit", 1.0, 0.1, 5, "assumption", "Assumption",
       "Scale of idiosyncratic answer noise (logistic)."),
)

PARAMS: tuple[Param, ...] = apply_calibration(MODEL_PARAMS + COST_PARAMS)
PARAMS_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.name.split(".")[0] for p in PARAMS))


def defaults() -> dict[str, Value]:
    """Return a fresh dict of every parameter at its default."""
    return {p.name: p.default for p in PARAMS}


def check_value(name: str, value) -> Value:
    """``value`` typed and range-checked for parameter ``name`` (text accepted): see ``Param.check``.

    Raises:
        KeyError: unknown name.
        InputError: wrong type or out of range; the message says what is allowed.
    """
    return PARAMS_BY_NAME[name].check(value, text=True)


def markdown_table() -> str:
    """The parameter table as Markdown (used by docs/ODD.md and ``mentorsim params``)."""
    lines = [
        "| name | unit | default | range | tag | source | description |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PARAMS:
        rng = "true/false" if p.kind is bool else f"{p.low:g} – {p.high:g}"
        lines.append(
            f"| `{p.name}` | {p.unit} | {_fmt(p.default)} | {rng} | {p.tag} | {p.source} | {p.description} |"
        )
    return "\n".join(lines)


def _fmt(v: Value) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:g}"
