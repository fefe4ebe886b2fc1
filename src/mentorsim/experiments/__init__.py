"""Experiment files, designs, resumable sweeps, sensitivity analysis."""
