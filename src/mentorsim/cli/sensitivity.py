"""``mentorsim sensitivity EXPERIMENT``: run (or finish) the sweep, then SALib indices and plots."""

from __future__ import annotations

from pathlib import Path

from mentorsim.cli.common import (
    EXPERIMENT_RUNS_CODE,
    add_command,
    add_execution_options,
    check_execution_options,
    experiment_out,
    json_safe,
    sweep_from_args,
)


def register(sub) -> None:
    p = add_command(sub, "sensitivity", "which parameters move the outcomes: Sobol, Morris or FAST indices (SALib)",
                    ["mentorsim sensitivity experiments/morris_screening.toml",
                     "mentorsim sensitivity experiments/sobol_uncertain.toml --workers 2 --format json"],
                    description="Global sensitivity analysis of an experiment with a sampled design "
                    "(Sobol, Morris, FAST; LHS gives first-order indices by RBD-FAST). The sweep is run or "
                    "finished first (stored runs are reused); then each output's indices, with confidence "
                    "intervals, are printed and written with plots to OUT/sensitivity/ (indices.csv, "
                    "indices.json, indices.png; second_order.csv/.png for Sobol). A grid's answer is its "
                    "plot: use mentorsim sweep.\n\n"
                    + EXPERIMENT_RUNS_CODE)
    p.add_argument("experiment", type=Path, help="experiment TOML file with a sampled design")
    add_execution_options(p)
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args) -> int:
    import sys
    from contextlib import nullcontext

    from mentorsim.errors import input_error
    from mentorsim.executors import in_background, preload
    from mentorsim.experiments import sensitivity
    from mentorsim.experiments.experiment import load_experiment
    from mentorsim.experiments.store import STORE_FILE
    from mentorsim.experiments.sweep import export_folder

    check_execution_options(args)
    exp = load_experiment(args.experiment)
    if exp.method not in sensitivity.ANALYZED:
        raise input_error(str(args.experiment), "design.method", "sensitivity indices need a sampled design; "
                          "allowed: " + ", ".join(sensitivity.ANALYZED), exp.method)
    out = experiment_out(exp, args)
    # The sweep is finished first (the store is reused when it holds this design).
    args.resume = args.resume or (out / STORE_FILE).exists()
    started = []

    def on_chunk(stored):  # once the workers are running: load what follows them meanwhile
        if not started:
            started.append(stored)
            preload(_after_the_runs)

    try:
        summary = sweep_from_args(exp, args, export=False, on_chunk=on_chunk)  # exported below, beside the analysis
    except KeyboardInterrupt:
        print(f"mentorsim: interrupted; finished runs are stored in {out}; run again to finish", file=sys.stderr)
        return 130
    _after_the_runs()  # (loaded already if preloaded during the runs; the helper started below
    # is forked once the preload is done, and finds matplotlib and pyarrow's writers loaded)
    import gc
    gc.freeze()  # what is loaded stays: the collector no longer walks it while the plots allocate
    # (here and in the helper, which inherits it): ~0.1 s of CPU each
    with (in_background(export_folder, exp, out) if summary.complete else nullcontext()) as exported:
        try:
            return _analysis(args, exp, out, summary, exported)
        except Exception:
            if exported is not None:
                exported.result()  # the sweep's exports are made whatever the analysis finds
            raise


def _after_the_runs() -> None:
    """Import what the analysis and the exports need and the runs do not: matplotlib (the plots)
    and pyarrow's CSV and Parquet writers (0.3-0.5 s in all). Called in a thread while the
    workers run (executors.preload), where it costs the runs about half as much as it would
    cost after them, when both cores wait on it."""
    import pyarrow.compute
    import pyarrow.csv
    import pyarrow.parquet  # noqa: F401

    import mentorsim.experiments.plots  # noqa: F401


def _analysis(args, exp, out, summary, exported) -> int:
    """The indices, their files and plots, while ``exported`` (executors.Background, or None)
    writes the sweep's own exports: the indices' manifest is written only after those."""
    from mentorsim.experiments import sensitivity
    from mentorsim.experiments.designs import build_design
    from mentorsim.experiments.store import STORE_FILE, RunStore
    from mentorsim.output_folder import dumps, output_dir
    from mentorsim.provenance import metadata

    design = build_design(exp)
    with RunStore.open(out / STORE_FILE) as store:
        frame = store.frame()
        dhash = store.meta()["design_hash"]
    result = sensitivity.analyze(exp, design, frame)
    payload = result.to_dict()
    meta = metadata(exp.seed, experiment=exp.spec(), design_hash=dhash, analysis_seed=sensitivity.analysis_seed(exp),
                    runs=summary.total)
    with output_dir(out / "sensitivity", meta) as stage:
        (stage / "indices.json").write_text(dumps(json_safe(payload | {"metadata": meta})))
        result.table.to_csv(stage / "indices.csv", index=False)
        sensitivity.plot_indices(result, stage / "indices.png")
        if result.second_order:
            sensitivity.plot_second_order(result, stage / "second_order.png")
            rows = []
            for o, (s2, c2) in result.second_order.items():
                for i in range(len(result.names)):
                    for j in range(i + 1, len(result.names)):
                        rows.append({"output": o, "parameter_1": result.names[i], "parameter_2": result.names[j],
                                     "S2": s2[i, j], "S2_conf": c2[i, j]})
            import pandas as pd
            pd.DataFrame(rows).to_csv(stage / "second_order.csv", index=False)
        if exported is not None:
            exported.result()
    if args.format == "json":
        print(dumps(json_safe(payload)))
    else:
        print(sensitivity.text_table(result))
        print(f"\nwrote indices.csv, indices.json and plots to {out / 'sensitivity'}/")
    return 0

