"""Costs, health effects, discounting, sustainability, cost-effectiveness and PSA."""
