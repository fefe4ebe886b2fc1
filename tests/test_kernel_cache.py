"""The compiled-kernel cache follows every source a kernel can inline (numba checks a cached
kernel only against its own file, so an edit to a kernel it calls would leave stale machine
code in use)."""

from pathlib import Path

import numba

from mentorsim.model import jit


def _tree(root: Path) -> Path:
    package = root / "mentorsim"
    (package / "model").mkdir(parents=True)
    (package / "economics").mkdir()
    (package / "model" / "learning.py").write_text("def rule(x):\n    return x\n")
    (package / "economics" / "costs.py").write_text("from mentorsim.model.jit import kernel\n")
    (package / "cli.py").write_text("print('help')\n")
    return package


def test_the_digest_changes_with_any_kernel_source_and_only_with_them(tmp_path):
    package = _tree(tmp_path)
    first = jit.kernel_sources_digest(package)
    assert jit.kernel_sources_digest(package) == first  # deterministic
    (package / "cli.py").write_text("print('other help')\n")  # no kernel can come from here
    assert jit.kernel_sources_digest(package) == first
    (package / "model" / "learning.py").write_text("def rule(x):\n    return 2 * x\n")
    second = jit.kernel_sources_digest(package)
    assert second != first
    (package / "economics" / "costs.py").write_text("from mentorsim.model.jit import kernel  # edited\n")
    assert jit.kernel_sources_digest(package) not in (first, second)


def test_kernels_are_cached_in_the_folder_of_the_current_sources():
    package = Path(jit.__file__).resolve().parents[1]
    expected = jit.cache_dir()
    assert expected.name == jit.kernel_sources_digest(package)[:16]
    assert Path(numba.config.CACHE_DIR) == expected


def test_a_second_process_compiles_nothing():
    """Every compiled function a run calls is cached on disk, so a process that runs the model
    after another has (this suite's, or the first subprocess here) compiles nothing: numba's
    "numba:compile" event fires only on a cache miss. Typed lists touched from Python would
    compile their helpers afresh in every process (~0.9 s), which this catches. Covers a one-block
    run (ss2020) and a blocked, threaded one (1,000 facilities, a pool that grows)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        from numba.core import event
        from mentorsim import load_scenario
        from mentorsim.runner import simulate, simulate_batch
        p = dict(load_scenario("ss2020").params)
        big = dict(p, **{"facilities.intervention": 1000, "facilities.comparison": 0, "mentors.teams": 100,
                         "followup.months": 0})
        compiled = []
        listener = event.RecordingListener()
        with event.install_listener("numba:compile", listener):
            simulate(p, seed=1).visit_array
            simulate_batch([(p, 1, 0), (p, 1, 1)])
            simulate(big, seed=1)
        names = sorted({data["dispatcher"].py_func.__qualname__ for _, ev in listener.buffer
                        for data in [ev.data] if ev.is_start})
        print("compiled:", names)
    """)
    for _run in ("the first fills the cache", "the second must find everything in it"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "compiled: []", done.stdout
