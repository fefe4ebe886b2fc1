"""ABC-SMC calibration to the published targets: config, measures, report."""
