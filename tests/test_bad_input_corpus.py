"""A generated corpus of bad inputs across every command: each must end with exit code 2 and
exactly one line on stderr (no traceback, nothing simulated first).

The cases are generated from the parameter table (every parameter: out of range, not a number,
not finite, the wrong type; on the command line and in a scenario file) and from lists of bad
values for every flag, bad files (empty, binary, BOM, deeply nested, unreadable, a folder) and
bad experiment, calibration and CSV files. ``main()`` runs in this process; a few cases run as
a subprocess to check the real exit code and stderr.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mentorsim.cli.main import main
from mentorsim.parameters.model_table import PARAMS

ROOT = Path(__file__).resolve().parents[1]
SS2020 = str(ROOT / "scenarios" / "ss2020.toml")

SCENARIO_COMMANDS = (["run"], ["compare"], ["cea"], ["report"])
#: Bad values of whole-number flags (a valid flag value is replaced by each).
BAD_WHOLE = ("-1", "1.5", "abc", "1e400", "inf", "nan", "", "0x10", "99999999999999999999999")
BAD_NUMBER = ("abc", "inf", "-inf", "nan", "1e400", "")


def _case(argv, files=None, id=None):
    return pytest.param(argv, files or {}, id=id)


def _param_values(p):
    """Bad values for parameter ``p`` as ``--set`` text and as TOML literals."""
    text = ["abc", "inf", "-inf", "nan", "1e400", "", "[1]"]
    toml = ['"abc"', "inf", "-inf", "nan", "[1, 2]", "{ a = 1 }", "1979-05-27"]
    if p.kind is bool:
        text += ["maybe", "2", "yes"]
        toml += ["1", "0.5", '"true"']
    else:
        if math.isfinite(p.high):
            text.append(repr(p.high + max(1, abs(p.high))))
            toml.append(repr(p.high + max(1, abs(p.high))))
        if math.isfinite(p.low):
            text.append(repr(p.low - max(1, abs(p.low))))
            toml.append(repr(p.low - max(1, abs(p.low))))
        toml += ["true", f'"{p.default}"']
        if p.kind is int:
            text.append(f"{p.low + 0.5}")
            toml.append(f"{p.low + 0.5}")
    return text, toml


def cases():
    out = []
    # --- every parameter through --set and through a scenario file, on rotating commands -----
    for i, p in enumerate(PARAMS):
        text, toml = _param_values(p)
        cmd = SCENARIO_COMMANDS[i % len(SCENARIO_COMMANDS)]
        # two kinds of bad text and one bad TOML value each, rotating so every kind is tried
        for j in (i % len(text), (i + 3) % len(text)):
            out.append(_case([*cmd, SS2020, "--set", f"{p.name}={text[j]}"], id=f"set-{p.name}-{j}"))
        section, key = p.name.split(".", 1)
        j = i % len(toml)
        out.append(_case([*cmd, "{d}/s.toml"], {"s.toml": f"[{section}]\n{key} = {toml[j]}\n"},
                         id=f"file-{p.name}-{j}"))
    # --- flags of the commands that run scenarios ----------------------------------------------
    for cmd in SCENARIO_COMMANDS + (["plan-pool", "--facilities", "2", "--visit-interval-weeks", "9"],):
        target = [] if cmd[0] == "plan-pool" else [SS2020]
        for flag in ("--seed", "--replicates"):
            for v in BAD_WHOLE + ("4294967296",) * (flag == "--seed") + ("0", "100001") * (flag == "--replicates"):
                out.append(_case([*cmd, *target, f"{flag}={v}"], id=f"{cmd[0]}{flag}={v}"))
        out.append(_case([*cmd, *target, "--set", "visits.interval_weeks"], id=f"{cmd[0]}-set-no-eq"))
        out.append(_case([*cmd, *target, "--set", "nosuch.key=1"], id=f"{cmd[0]}-set-unknown"))
        out.append(_case([*cmd, *target, "--set", "visits.intervl_weeks=4"], id=f"{cmd[0]}-set-typo"))
        out.append(_case([*cmd, *target, "--frobnicate"], id=f"{cmd[0]}-unknown-flag"))
    # --- bad scenario files --------------------------------------------------------------------
    bad_files = {
        "empty": "",
        "only-comment": "# nothing\n",
        "binary": b"\x00\xff\xfe\x00garbage",
        "latin1": "[scenario]\nname = \"caf\xe9\"\n".encode("latin-1"),
        "bad-toml": "[visits\ninterval_weeks = 4\n",
        "unknown-section": "[vists]\ninterval_weeks = 4\n",
        "unknown-key": "[visits]\nintervl_weeks = 4\n",
        "nested": "[visits.more]\na = 1\n",
        "section-not-table": "visits = 4\n",
        "scenario-not-table": "scenario = 4\n",
        "name-not-string": "[scenario]\nname = 4\n",
        "meta-unknown": "[scenario]\nnmae = \"x\"\n",
        "deep-array": "a = " + "[" * 5000 + "]" * 5000 + "\n",
        "deep-table": "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
        "combination": "[visits]\ndays = 10\ninterval_weeks = 1\n",
        "handover": "[mentors]\nlocal_share = 0.5\nhandover_month = 40\n[programme]\nmonths = 12\n",
    }
    for name, content in bad_files.items():
        for cmd in (["run"], ["compare", SS2020]):
            out.append(_case([*cmd, "{d}/s.toml"], {"s.toml": content}, id=f"scenario-{name}-{cmd[0]}"))
    out.append(_case(["run", "{d}/nosuch.toml"], id="scenario-missing"))
    out.append(_case(["run", "{d}"], id="scenario-folder"))
    out.append(_case(["run", SS2020, "--replicates", "1", "--out", "{d}/f.txt"], {"f.txt": "x"},
                     id="out-is-a-file"))
    # --- plan-pool -----------------------------------------------------------------------------
    pp = ["plan-pool"]
    for flag, values in {"--facilities": BAD_WHOLE + ("0", "5001"),
                         "--visit-interval-weeks": BAD_WHOLE + ("0", "53"),
                         "--local-share": BAD_NUMBER + ("-0.1", "1.1"),
                         "--years": BAD_NUMBER + ("0", "100"),
                         "--target": BAD_NUMBER + ("0", "1.5"),
                         "--max-size": BAD_WHOLE + ("0", "501"),
                         "--day-rate": BAD_NUMBER + ("-1",),
                         "--workers": BAD_WHOLE + ("0",)}.items():
        for v in values:
            base = {"--facilities": "2", "--visit-interval-weeks": "9"}
            base[flag] = v
            out.append(_case([*pp, *[f"{k}={x}" for k, x in base.items()]], id=f"plan-pool{flag}={v}"))
    out.append(_case([*pp, "--facilities", "2", "--visit-interval-weeks", "9", "--set", "visits.days=inf"],
                     id="plan-pool-set-inf"))
    # --- cea / icers / voi ---------------------------------------------------------------------
    for v in BAD_WHOLE + ("0",):
        out.append(_case(["cea", SS2020, f"--workers={v}"], id=f"cea--workers={v}"))
    for v in ("-1", "abc", "1.5", "inf", "1e400"):
        out.append(_case(["cea", SS2020, f"--psa={v}"], id=f"cea--psa={v}"))
    for v in BAD_NUMBER + ("-5",):
        out.append(_case(["cea", SS2020, "--wtp", v], id=f"cea--wtp={v}"))
    icers = {
        "missing-column": "strategy,cost\na,1\n",
        "open-quote": 'strategy,cost,effect\n"a,1,2\nb,3,4\n',
        "not-number": "strategy,cost,effect\na,x,2\n",
        "inf": "strategy,cost,effect\na,inf,2\nb,1,1\n",
        "nan": "strategy,cost,effect\na,nan,2\nb,1,1\n",
        "empty": "",
        "header-only": "strategy,cost,effect\n",
        "duplicate": "strategy,cost,effect\na,1,2\na,3,4\n",
        "binary": b"\x00\x01\x02",
    }
    for name, content in icers.items():
        out.append(_case(["icers", "{d}/s.csv"], {"s.csv": content}, id=f"icers-{name}"))
    out.append(_case(["icers", "{d}/nosuch.csv"], id="icers-missing"))
    for v in BAD_NUMBER:
        out.append(_case(["icers", "{d}/s.csv", "--wtp", v], {"s.csv": "strategy,cost,effect\na,1,2\nb,3,4\n"},
                         id=f"icers--wtp={v}"))
    out.append(_case(["voi", "{d}/nosuch.csv", "--wtp", "100"], id="voi-missing"))
    out.append(_case(["voi", "{d}/s.csv", "--wtp", "100"], {"s.csv": "a,b\n1,2\n"}, id="voi-bad-columns"))
    # --- sweep / sensitivity: flags and experiment files --------------------------------------
    good_exp = ('[experiment]\nseed = 1\nreplicates = 1\noutputs = ["composite_month12_pct"]\n'
                '[design]\nmethod = "grid"\n[parameters]\n"visits.interval_weeks" = { values = [4, 9] }\n')
    for flag, values in {"--workers": BAD_WHOLE + ("0",), "--chunk-size": BAD_WHOLE + ("0", "100001")}.items():
        for v in values:
            out.append(_case(["sweep", "{d}/e.toml", f"{flag}={v}", "--out", "{d}/o"], {"e.toml": good_exp},
                             id=f"sweep{flag}={v}"))
    for v in ("not a url", "http://", "tcp://", "tcp://host:notaport", "tcp://[::1", "tcp://127.0.0.1:99999",
              "ftp://127.0.0.1:8786", "tcp:// 127.0.0.1:8786"):
        out.append(_case(["sweep", "{d}/e.toml", "--scheduler", v, "--out", "{d}/o"], {"e.toml": good_exp},
                         id=f"sweep--scheduler={v}"))
    out.append(_case(["sweep", "{d}/e.toml", "--retry-failed", "--out", "{d}/o"], {"e.toml": good_exp},
                     id="sweep-retry-without-resume"))
    exp_mutations = {
        "no-experiment": good_exp.replace("[experiment]", "[experimnt]"),
        "seed-neg": good_exp.replace("seed = 1", "seed = -1"),
        "seed-inf": good_exp.replace("seed = 1", "seed = inf"),
        "seed-str": good_exp.replace("seed = 1", 'seed = "1"'),
        "seed-big": good_exp.replace("seed = 1", "seed = 4294967296"),
        "reps-zero": good_exp.replace("replicates = 1", "replicates = 0"),
        "reps-inf": good_exp.replace("replicates = 1", "replicates = inf"),
        "reps-huge": good_exp.replace("replicates = 1", "replicates = 100000"),
        "outputs-empty": good_exp.replace('["composite_month12_pct"]', "[]"),
        "outputs-unknown": good_exp.replace("composite_month12_pct", "composite_month12"),
        "outputs-reserved": good_exp.replace("composite_month12_pct", "run_id"),
        "method-unknown": good_exp.replace('"grid"', '"gird"'),
        "values-empty": good_exp.replace("[4, 9]", "[]"),
        "values-out": good_exp.replace("[4, 9]", "[4, 99]"),
        "values-str": good_exp.replace("[4, 9]", '[4, "9"]'),
        "values-inf": good_exp.replace("[4, 9]", "[4, inf]"),
        "values-dup": good_exp.replace("[4, 9]", "[4, 4]"),
        "param-unknown": good_exp.replace("visits.interval_weeks", "visits.intervl_weeks"),
        "fixed-str": good_exp + '[fixed]\n"visits.days" = "2"\n',
        "fixed-inf": good_exp + '[fixed]\n"visits.days" = inf\n',
        "base-missing": good_exp.replace("[experiment]", '[experiment]\nbase = "nosuch.toml"'),
        "target-no-colon": good_exp.replace("[experiment]", '[experiment]\ntarget = "os"'),
        "target-no-module": good_exp.replace("[experiment]", '[experiment]\ntarget = "no_such_mod_xyz:f"'),
        "target-case-clash": ('[experiment]\nseed = 1\nreplicates = 1\noutputs = ["y"]\n'
                              'target = "mentorsim.experiments.testfunctions:ishigami"\n[design]\nmethod = "grid"\n'
                              '[parameters]\nx1 = { values = [1, 2] }\nX1 = { values = [1, 2] }\n'),
        "target-reserved-case": ('[experiment]\nseed = 1\nreplicates = 1\noutputs = ["y"]\n'
                                 'target = "mentorsim.experiments.testfunctions:ishigami"\n[design]\n'
                                 'method = "grid"\n[parameters]\nRUN_ID = { values = [1, 2] }\n'),
        "target-empty-name": ('[experiment]\nseed = 1\nreplicates = 1\noutputs = ["y"]\n'
                              'target = "mentorsim.experiments.testfunctions:ishigami"\n[design]\nmethod = "grid"\n'
                              '[parameters]\n"" = { values = [1, 2] }\n'),
        "lhs-no-n": good_exp.replace('"grid"', '"lhs"').replace("{ values = [4, 9] }", "{}"),
        "sobol-n-odd": good_exp.replace('method = "grid"', 'method = "sobol"\nn = 3\nsecond_order = false')
        .replace("{ values = [4, 9] }", "{}"),
        "low-gt-high": good_exp.replace('"grid"', '"lhs"\nn = 4').replace("{ values = [4, 9] }",
                                                                             "{ low = 9, high = 4 }"),
        "low-inf": good_exp.replace('"grid"', '"lhs"\nn = 4').replace("{ values = [4, 9] }",
                                                                         "{ low = -inf, high = 4 }"),
        "deep-table": good_exp + "[fixed]\n" + "".join(f"[fixed{'.a' * k}]\n" for k in range(1, 3))
        + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        "empty": "",
        "analysis-bad": good_exp + "[analysis]\nconf_level = 1.5\n",
    }
    for name, content in exp_mutations.items():
        out.append(_case(["sweep", "{d}/e.toml", "--out", "{d}/o"], {"e.toml": content}, id=f"experiment-{name}"))
    out.append(_case(["sweep", "{d}/nosuch.toml"], id="experiment-missing"))
    out.append(_case(["sensitivity", "{d}/e.toml", "--out", "{d}/o"], {"e.toml": good_exp},
                     id="sensitivity-grid"))
    out.append(_case(["discover", "{d}/nosuch", "--outcome", "x", "--below", "1"], id="discover-missing"))
    out.append(_case(["discover", "{d}", "--outcome", "x", "--below", "nan"], id="discover-nan"))
    # --- calibrate -----------------------------------------------------------------------------
    cal_dir = ROOT / "calibration"
    cal = (cal_dir / "ss2020.toml").read_text().replace('"../scenarios/ss2020.toml"', f'"{SS2020}"') \
        .replace('"targets.toml"', f'"{cal_dir / "targets.toml"}"')
    for key, values in {"population": ("inf", "0", "-1", '"500"', "1.5", "nan"), "seed": ("inf", "-1", '"1"'),
                        "replicates": ("inf", "0"), "workers": ("0", "inf"), "quantile": ("nan", "2"),
                        "generations": ("inf", "0"), "budget_minutes": ("inf", "-1"),
                        "point": ('"meen"',), "distance": ('"l2"',)}.items():
        for v in values:
            text = re.sub(rf"(?m)^{key} *=.*$", f"{key} = {v}", cal)
            assert text != cal, key  # the mutation must change the configuration
            out.append(_case(["calibrate", "{d}/c.toml", "--out", "{d}/o"], {"c.toml": text},
                             id=f"calibrate-{key}={v}"))
    targets = (cal_dir / "targets.toml").read_text()
    for name, (old, new) in {"n-inf": ("\nn = 25\n", "\nn = inf\n"), "n-zero": ("\nn = 25\n", "\nn = 0\n"),
                             "value-nan": ("\nvalue = 96.0\n", "\nvalue = nan\n"),
                             "output-unknown": ('"survey_positive_pct"', '"survey_pos"')}.items():
        text = cal.replace(f'"{cal_dir / "targets.toml"}"', '"t.toml"')
        assert old in targets, old  # the mutation must change a value, not a comment
        out.append(_case(["calibrate", "{d}/c.toml", "--out", "{d}/o"],
                         {"c.toml": text, "t.toml": targets.replace(old, new, 1)}, id=f"calibrate-target-{name}"))
    for v in ("abc", "-5", "1.5x", "inf", "nanm"):
        out.append(_case(["calibrate", str(cal_dir / "ss2020.toml"), "--budget", v, "--out", "{d}/o"],
                         id=f"calibrate--budget={v}"))
    for v in ("0", "-1", "9999"):
        out.append(_case(["calibrate", str(cal_dir / "ss2020.toml"), "--workers", v, "--out", "{d}/o"],
                         id=f"calibrate--workers={v}"))
    # --- app -----------------------------------------------------------------------------------
    for v in ("-1", "65536", "abc", "1.5"):
        out.append(_case(["app", "--port", v], id=f"app--port={v}"))
    # --- the top level -------------------------------------------------------------------------
    for argv in ([], ["frobnicate"], ["rnu"], ["run"], ["params", "--format", "xml"]):
        out.append(_case(argv, id="top-" + "-".join(argv)))
    return out


CASES = cases()


def _materialise(tmp_path: Path, argv, files) -> list[str]:
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return [a.replace("{d}", str(tmp_path)) for a in argv]


def test_the_corpus_is_large():
    assert len(CASES) >= 300


@pytest.mark.parametrize(("argv", "files"), CASES)
def test_bad_input_exits_2_with_one_line(argv, files, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MENTORSIM_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    code = main(_materialise(tmp_path, argv, files))
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("mentorsim") and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["run", SS2020, "--seed", "-1"],
    ["run", "{d}/s.toml"],
    ["sweep", "{d}/nosuch.toml"],
    ["plan-pool", "--facilities", "2", "--visit-interval-weeks", "9", "--years", "inf"],
])
def test_bad_input_in_a_real_process(argv, tmp_path):
    (tmp_path / "s.toml").write_text("[visits]\ninterval_weeks = 1e400\n")
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("MENTORSIM_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "mentorsim", *argv], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
