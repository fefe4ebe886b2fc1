"""The one parameter table: spec, model and cost tables, calibrated values, sources."""
