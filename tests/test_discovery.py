"""Scenario discovery (PRIM): a known box in 4-D uniform inputs, reading sweep folders, bad inputs."""

import json

import numpy as np
import pandas as pd
import pytest

from mentorsim.cli.main import main
from mentorsim.experiments import discovery
from mentorsim.experiments.store import RunRecord, RunStore

TRUE_A = (0.2, 0.6)
TRUE_B = (0.5, 1.0)


def known_box(seed: int, n: int = 1500):
    """Y = 1 inside a in [0.2, 0.6] and b >= 0.5; outside uniform on [0, 0.9], 5% of it set to 1."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 4))
    inside = (x[:, 0] >= TRUE_A[0]) & (x[:, 0] <= TRUE_A[1]) & (x[:, 1] >= TRUE_B[0])
    y = np.where(inside, 1.0, rng.uniform(0, 0.9, n))
    y[~inside & (rng.random(n) < 0.05)] = 1.0
    return x, y


def write_sweep(folder, x, y, failed: int = 0):
    folder.mkdir(parents=True, exist_ok=True)
    store = RunStore.create(folder / "runs.sqlite", ["a", "b", "c", "d"], ["y", "z"], {"experiment": {}})
    recs = [RunRecord(i, i, 0, i, dict(zip("abcd", row)), {"y": v, "z": 0.0}) for i, (row, v) in enumerate(zip(x, y))]
    recs += [RunRecord(len(x) + i, len(x) + i, 0, 0, dict(zip("abcd", x[0])), {}, status="failed", error="boom")
             for i in range(failed)]
    store.record(recs)
    store.close()
    return folder


@pytest.mark.parametrize("seed", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_prim_recovers_a_known_box(seed):
    x, y = known_box(seed)
    runs = discovery.SweepRuns(None, pd.DataFrame(x, columns=list("abcd")).assign(y=y), list("abcd"), ["y"])
    d = discovery.discover(runs, "y", above=0.95, threshold=0.95)
    box = d.boxes[0]
    assert box.meets_threshold and box.density >= 0.95 and box.coverage >= 0.75
    assert set(box.limits.index) == {"a", "b"}  # c and d are left free
    assert box.limits.loc["a", "low"] == pytest.approx(TRUE_A[0], abs=0.05)
    assert box.limits.loc["a", "high"] == pytest.approx(TRUE_A[1], abs=0.05)
    assert box.limits.loc["b", "low"] == pytest.approx(TRUE_B[0], abs=0.05)
    assert box.limits.loc["b", "high"] == pytest.approx(box.limits.loc["b", "full_high"])
    assert (box.limits[["qp_low"]] < 0.05).all().all()
    assert box.rule.startswith("y is above 0.95 when a in [0.")
    assert " and b >= 0." in box.rule


def test_below_is_the_mirror_of_above():
    x, y = known_box(4)
    runs = discovery.SweepRuns(None, pd.DataFrame(x, columns=list("abcd")).assign(y=-y), list("abcd"), ["y"])
    box = discovery.discover(runs, "y", below=-0.95, threshold=0.95).boxes[0]
    assert set(box.limits.index) == {"a", "b"}
    assert box.limits.loc["b", "low"] == pytest.approx(TRUE_B[0], abs=0.05)


def test_cli_on_a_sweep_folder(tmp_path, capsys):
    x, y = known_box(5, n=1200)
    folder = write_sweep(tmp_path / "sweep", x, y, failed=3)
    out = tmp_path / "disc"
    assert main(["discover", str(folder), "--outcome", "y", "--above", "0.95", "--threshold", "0.95",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 runs left out" in text and "Box 1: coverage" in text and "y is above 0.95 when a in" in text
    assert (out / "tradeoff_box1.png").stat().st_size > 5000 and (out / "box1.png").stat().st_size > 5000
    assert main(["discover", str(folder), "--outcome", "y", "--above", "0.95", "--inputs", "b,c",
                 "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["cases"] == 1200 and payload["boxes"][0]["limits"].keys() <= {"b", "c"}


def test_cli_reads_runs_csv_with_experiment_json(tmp_path, capsys):
    x, y = known_box(6, n=600)
    folder = tmp_path / "csvsweep"
    folder.mkdir()
    pd.DataFrame(x, columns=list("abcd")).assign(run_id=range(600), status="done", y=y).to_csv(
        folder / "runs.csv", index=False)
    (folder / "experiment.json").write_text(json.dumps({"outputs": ["y"]}))
    assert main(["discover", str(folder), "--outcome", "y", "--above", "0.95", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"] == list("abcd")


@pytest.mark.parametrize("argv, needle", [
    (["--outcome", "yy", "--above", "1"], "--outcome = 'yy': not an output of this sweep; did you mean y?"),
    (["--outcome", "y", "--above", "1", "--inputs", "aa"], "did you mean a?"),
    (["--outcome", "y", "--above", "1", "--threshold", "2"], "--threshold"),
    (["--outcome", "y"], "one of the arguments --below --above is required"),
])
def test_bad_inputs_exit_2(tmp_path, capsys, argv, needle):
    x, y = known_box(7, n=100)
    folder = write_sweep(tmp_path / "s", x, y)
    assert main(["discover", str(folder)] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_missing_folder_and_empty_folder(tmp_path, capsys):
    assert main(["discover", str(tmp_path / "nope"), "--outcome", "y", "--below", "1"]) == 2
    assert "no such sweep folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["discover", str(tmp_path / "empty"), "--outcome", "y", "--below", "1"]) == 2
    assert "no runs.sqlite, runs.parquet or runs.csv" in capsys.readouterr().err


def test_nothing_of_interest_is_said_plainly(tmp_path, capsys):
    x, y = known_box(8, n=100)
    folder = write_sweep(tmp_path / "s", x, y)
    assert main(["discover", str(folder), "--outcome", "y", "--above", "5"]) == 0
    assert "no run is of interest" in capsys.readouterr().out


def test_outcome_unrelated_to_inputs_gives_no_dense_box():
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 1, (800, 4))
    runs = discovery.SweepRuns(None, pd.DataFrame(x, columns=list("abcd")).assign(y=rng.random(800)),
                               list("abcd"), ["y"])
    d = discovery.discover(runs, "y", below=0.3)
    assert len(d.boxes) == 1 and not d.boxes[0].meets_threshold
    assert d.boxes[0].density < 0.8
    assert "no box reaches density 0.8" in discovery.format_report(d)


def test_a_posterior_row_number_is_not_a_discovery_input(tmp_path):
    import pandas as pd

    from mentorsim.experiments.discovery import load_sweep
    frame = pd.DataFrame({"run_id": [0, 1, 2], "a": [0.1, 0.5, 0.9], "posterior_row": [3, 7, 1],
                          "y": [1.0, 2.0, 3.0]})
    frame.to_csv(tmp_path / "runs.csv", index=False)
    (tmp_path / "experiment.json").write_text('{"outputs": ["y"]}')
    runs = load_sweep(tmp_path)
    assert "a" in runs.inputs and "posterior_row" not in runs.inputs
