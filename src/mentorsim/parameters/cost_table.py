"""Unit prices and economic parameters (issue: economics). Declared with the same record as
the model's parameters and joined to the one table in parameters.py.

Currency: US dollars at 2018 prices (``CURRENCY``, ``PRICE_YEAR``); prices quoted in Tanzanian
shillings are converted at ``costs.exchange_rate_tzs_per_usd`` (the 2018 average). Salary scales
are 2024/25 figures brought to 2018 prices with ``costs.salary_price_factor``.

``costs.*`` are unit prices and quantities of the programme's resources (what costs.py multiplies);
``economics.*`` are the analysis settings and the numbers turning events into DALYs (discounting,
life expectancy, disability weights, thresholds). Sections of MODEL_BRIEF.md: 1 (programme),
5 (SSI), 6 (unit prices and economics).
"""

from __future__ import annotations

from mentorsim.parameters.spec import B, Param, _p

CURRENCY = "USD"
PRICE_YEAR = 2018
#: Stated on every output that carries money.
PRICE_LABEL = f"{CURRENCY}, {PRICE_YEAR} prices"

COST_PARAMS: tuple[Param, ...] = (
    # --- exchange rate and allowances -------------------------------------------------------
    _p("costs.exchange_rate_tzs_per_usd", "TZS/USD", 2264.0, 2100, 2400, "cited", "TZcosts",
       "Shillings per US dollar, 2018 average (2,288 in 2019)."),
    _p("costs.per_diem_tzs_per_night", "TZS/night", 100000.0, 80000, 120000, "cited", "TZcosts",
       "Government per diem a night away (TZS 80,000-120,000 by grade; covers lodging and meals)."),
    _p("costs.accommodation_usd_per_night", "USD/night", 0.0, 0, 40, "assumption", "Assumption",
       "Lodging paid on top of the per diem (0: the per diem covers it)."),
    _p("costs.day_allowance_usd", "USD/day", 10.0, 0, 25, "assumption", "Assumption",
       "Meal allowance for a day away without a night (local mentors' day trips)."),
    # --- salaries (mentor time) -------------------------------------------------------------
    _p("costs.salary_specialist_tzs_month", "TZS/month", 2500000.0, 1800000, 4000000, "assumption",
       "Assumption", "Monthly salary of a specialist (hub surgeon or obstetrician); no scale found."),
    _p("costs.salary_medical_officer_tzs_month", "TZS/month", 1480000.0, 1200000, 1800000, "cited",
       "TZcosts", "Monthly salary of a medical officer (regional surgical mentor), 2024/25 scale."),
    _p("costs.salary_anaesthesia_tzs_month", "TZS/month", 1100000.0, 680000, 1480000, "assumption",
       "TZcosts", "Monthly salary of an anaesthesia provider (between the diploma-nurse and MO scales)."),
    _p("costs.salary_nurse_tzs_month", "TZS/month", 680000.0, 432000, 1000000, "cited", "TZcosts",
       "Monthly salary of a nurse mentor (diploma nurse scale; certificate nurse 432,000)."),
    _p("costs.salary_price_factor", "multiplier", 0.85, 0.7, 1.0, "assumption", "Assumption",
       "2024/25 salary scales expressed in 2018 prices (scales were frozen 2016-2021, raised 2022)."),
    _p("costs.working_days_per_month", "days/month", 22.0, 20, 23, "assumption", "Assumption",
       "Working days a month: a day of mentor time costs salary / working days."),
    # --- transport --------------------------------------------------------------------------
    _p("costs.vehicle_usd_per_km", "USD/km", 0.5, 0.25, 1.0, "assumption", "Assumption",
       "Running cost of a vehicle per km (fuel, maintenance, driver's wage) on Lake Zone roads."),
    _p("costs.mentors_per_vehicle", "count", 4, 1, 6, "assumption", "HRH2021",
       "Mentors sharing one vehicle on a visit (a team of four travels together)."),
    _p("costs.drivers_per_vehicle", "count", 1, 0, 1, "assumption", "Assumption",
       "Drivers per vehicle; a driver earns the per diem for each night away."),
    # --- mentor training --------------------------------------------------------------------
    _p("costs.training_usd_per_trainee_day", "USD/trainee-day", 25.0, 10, 60, "assumption",
       "Assumption", "Venue, meals and materials per trainee per day of the 3-day mentor training."),
    _p("costs.training_travel_usd_per_trainee", "USD/trainee", 30.0, 10, 80, "assumption",
       "Assumption", "Return fare from a region to the training venue at the hub."),
    _p("costs.trainers_per_course", "count", 2, 1, 4, "assumption", "Assumption",
       "Hub specialists teaching a mentor-training course (paid at the specialist day rate)."),
    # --- telementoring ----------------------------------------------------------------------
    _p("costs.echo_platform_usd_per_session", "USD/session", 30.0, 5, 150, "assumption", "Assumption",
       "Videoconference licence, hub bandwidth and IT support per ECHO session."),
    _p("costs.echo_data_usd_per_attendee_hour", "USD/attendee-hour", 0.75, 0.25, 2.5, "assumption",
       "HRH2021", "Mobile data reimbursed per attendee-hour of video (poor internet; about 0.5-1 GB)."),
    _p("costs.echo_faculty_hours_per_session", "hours/session", 6.0, 2, 16, "assumption", "HRH2021",
       "Hub faculty hours per session: preparing the didactic talk and the panel's 80 minutes."),
    # --- WhatsApp ---------------------------------------------------------------------------
    _p("costs.whatsapp_usd_per_member_month", "USD/member-month", 2.0, 0.5, 5.0, "assumption",
       "HRH2021", "Data bundle for a WhatsApp group member (provider with access) for a month."),
    # --- coordination and grant -------------------------------------------------------------
    _p("costs.coordination_usd_per_month", "USD/month", 600.0, 200, 2000, "assumption", "Manzi2018",
       "Programme coordination (part-time coordinator, communication, supplies) a programme month."),
    _p("costs.followup_coordination_share", "share", 0.25, 0, 1, "assumption", "Assumption",
       "Share of that coordination needed a follow-up month while something continues."),
    _p("costs.idle_mentor_day_share", "share", 1.0, 0, 1, "assumption", "Assumption",
       "Planner only (plan-pool): share of a pool mentor's unused available days that is still paid "
       "(1: dedicated salaried mentors cost their salary idle or not; 0: staff released day by day)."),
    _p("costs.infrastructure_grant", "bool", False, *B, "cited", "IJQHC2021",
       "Include the one-off infrastructure grant (no modelled effect on quality: cost only)."),
    _p("costs.infrastructure_grant_usd", "USD/facility", 10000.0, 0, 10000, "cited", "IJQHC2021",
       "Infrastructure grant per intervention facility (up to US$10,000), paid in month 0."),
    # --- SSI treatment (savings) ------------------------------------------------------------
    _p("costs.ssi_extra_bed_days", "bed-days/SSI", 8.7, 4, 15, "cited", "SSIcost",
       "Extra bed-days of a surgical site infection (post-caesarean SSI at Bugando)."),
    _p("costs.bed_day_usd", "USD/bed-day", 15.0, 5, 40, "assumption", "SSIcost",
       "Cost of an inpatient bed-day at a district or regional hospital."),
    _p("costs.ssi_treatment_usd", "USD/SSI", 20.0, 5, 80, "assumption", "SSIcost",
       "Antibiotics, dressings and wound care per SSI, besides bed-days."),
    # --- mentees' time (costed only in the health-system-plus perspective) -------------------
    _p("costs.mentee_hours_per_visit_day", "hours/mentee-day", 2.0, 0.5, 8.0, "assumption", "HRH2021",
       "Hours a mentee present at a visited facility spends away from routine work a visit day "
       "(opening and closing debriefs, data and pathway sessions); side-by-side coaching in theatre "
       "and on ward rounds happens during routine work and is not counted."),
    _p("costs.after_hours_value_share", "x wage rate", 1.0, 0.0, 1.5, "assumption", "HRH2021",
       "Value of an hour of a mentee's after-hours time (ECHO ran after working hours, unpaid; "
       "WhatsApp 24/7) as a multiple of their hourly wage: 1 = wage rate, 0 = leisure not valued, "
       "1.5 = an overtime rate."),
    _p("costs.whatsapp_minutes_per_active_week", "minutes/member-week", 10.0, 0.0, 60.0, "assumption",
       "HRH2021", "Minutes an active WhatsApp member spends in the group a week (reading, advice, "
       "monthly data), valued as after-hours time."),
    # --- economics: discounting, thresholds -------------------------------------------------
    _p("economics.discount_rate_costs", "share/year", 0.03, 0, 0.1, "cited", "WHOCHOICE2003",
       "Annual discount rate of costs (year 1 undiscounted)."),
    _p("economics.discount_rate_effects", "share/year", 0.03, 0, 0.1, "cited", "WHOCHOICE2003",
       "Annual discount rate of health effects (year 1 undiscounted)."),
    _p("economics.gdp_per_capita_usd", "USD/person", 1012.0, 500, 3000, "cited", "Daroudi2021",
       "Tanzania GDP per capita, 2018 (willingness-to-pay values are multiples of it)."),
    _p("economics.opportunity_cost_multiple", "x GDP/capita", 0.34, 0.1, 1.0, "cited", "Daroudi2021",
       "Opportunity-cost threshold in low-HDI countries, as a multiple of GDP per capita."),
    _p("economics.cost_mentee_time", "bool", False, *B, "assumption", "HRH2021",
       "Perspective: false = health system (provider); true = health system plus mentees' time "
       "(coaching in work hours, ECHO and WhatsApp after hours), a partial societal perspective."),
    # --- economics: population of the decision (value of information) ------------------------
    _p("economics.voi_facilities_per_year", "facilities/year", 10.0, 1, 100, "assumption", "Hellar2020",
       "Facilities a year the mentorship decision affects (for population EVPI): 10 = one "
       "programme like SS2020's a year; the 40 Lake Zone facilities of the SSC roll-out are 4 years' worth."),
    _p("economics.voi_horizon_years", "years", 10.0, 1, 20, "assumption", "Assumption",
       "Years the decision holds before it is revisited (population EVPI), discounted at "
       "economics.discount_rate_costs, first year undiscounted."),
    # --- economics: DALYs -------------------------------------------------------------------
    _p("economics.life_expectancy_years", "years", 65.0, 60, 70, "cited", "WDI2018",
       "Life expectancy at birth, Tanzania 2018: years of life lost = this minus age at death."),
    _p("economics.age_caesarean_years", "years", 26.0, 18, 40, "assumption", "Assumption",
       "Mean age of a woman having a caesarean section."),
    _p("economics.age_other_surgery_years", "years", 35.0, 15, 60, "assumption", "Assumption",
       "Mean age of a patient having another major operation."),
    _p("economics.dw_infection_moderate", "weight", 0.051, 0.032, 0.074, "cited", "GBDdw",
       "GBD disability weight, moderate acute infectious episode."),
    _p("economics.dw_infection_severe", "weight", 0.133, 0.088, 0.190, "cited", "GBDdw",
       "GBD disability weight, severe acute infectious episode (e.g. puerperal sepsis)."),
    _p("economics.ssi_severe_share", "share", 0.3, 0, 1, "assumption", "Assumption",
       "Share of SSIs that are severe (deep or organ-space, sepsis); the rest moderate."),
    _p("economics.ssi_duration_moderate_days", "days", 14.0, 7, 28, "assumption", "SSIcost",
       "Duration of a moderate SSI episode."),
    _p("economics.ssi_duration_severe_days", "days", 28.0, 14, 60, "assumption", "SSIcost",
       "Duration of a severe SSI episode."),
)
"""The parameter record: name, unit, default, range, source tag. See parameters.py."""

#: Economic parameters that are analysis choices, not uncertain quantities: never drawn in PSA
#: (vary them one at a time with --set instead).
ANALYSIS_CHOICES: tuple[str, ...] = (
    "economics.discount_rate_costs", "economics.discount_rate_effects",
    "economics.gdp_per_capita_usd", "economics.opportunity_cost_multiple",
    "costs.infrastructure_grant", "costs.infrastructure_grant_usd", "mentors.local_day_trips",
    "costs.mentors_per_vehicle", "costs.drivers_per_vehicle", "costs.trainers_per_course",
    "economics.cost_mentee_time", "economics.voi_facilities_per_year", "economics.voi_horizon_years",
)

#: The two perspectives (``economics.cost_mentee_time`` false / true), as stated on every output.
PERSPECTIVES: dict[bool, str] = {
    False: ("health system (provider): programme resources (mentor time, per diem, transport, training, "
            "telementoring, WhatsApp bundles, coordination) net of the SSI treatment the programme averts; "
            "mentees' and patients' own time not costed"),
    True: ("health system plus mentee time (a partial societal perspective): the health system's costs plus "
           "mentees' time, coaching in work hours at their wage and ECHO and WhatsApp after hours at "
           "costs.after_hours_value_share x their wage; patients' time and productivity not costed"),
}
#: Short names of the perspectives (record suffixes, table rows).
PERSPECTIVE_NAMES: dict[bool, str] = {False: "health_system", True: "health_system_plus_mentee_time"}


def perspective(params) -> str:
    """The perspective of an analysis with ``params`` (a mapping with ``economics.cost_mentee_time``)."""
    return PERSPECTIVES[bool(params.get("economics.cost_mentee_time", False))]
