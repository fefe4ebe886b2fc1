"""Mesa's own page (SolaraViz) on the model as shipped: sliders for two parameters and plots of
the datacollector's weekly series.

    solara run examples/solara_viz.py
"""

from __future__ import annotations

from mesa.visualization import SolaraViz, make_plot_component

from mentorsim import MentorshipModel
from mentorsim.model.people import DOMAINS

model_params = {
    "visits.interval_weeks": {"type": "SliderInt", "value": 9, "label": "Weeks between visits",
                              "min": 1, "max": 26, "step": 1},
    "echo.enabled": {"type": "Checkbox", "value": True, "label": "Telementoring (ECHO)"},
    "seed": {"type": "InputText", "value": 1, "label": "Seed"},
}


def make_page(model: MentorshipModel | None = None):
    """The SolaraViz page (a solara component) over ``model`` (the programme as run if None)."""
    return SolaraViz(
        model or MentorshipModel(seed=1),
        components=[make_plot_component(["composite_pct", "comparison_composite_pct"]),
                    make_plot_component(["ssc_use_pct"]),
                    make_plot_component([f"skill_{d}" for d in DOMAINS])],
        model_params=model_params,
        name="mentorsim: Safe Surgery 2020 mentorship",
    )


page = make_page()
