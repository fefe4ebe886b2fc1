"""executors: in_background, a call done in a process of its own, gives what the call gives here
(its value, or its exception), a helper process that dies has its work done here, and leaving the
block early stops the process; no process is forked while a preload imports."""

from __future__ import annotations

import doctest
import os
import time
from pathlib import Path

import pytest

from mentorsim import executors
from mentorsim.executors import in_background


def _where(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _raises(message: str) -> None:
    raise ValueError(message)


def _dies_unless_in(pid: int) -> str:
    if os.getpid() != pid:
        os._exit(3)  # a helper killed mid-call (out of memory, a signal)
    return "done here"


def _nested() -> tuple[int, bool, int]:
    with in_background(_where, 2) as inner:
        return os.getpid(), inner.separate, inner.result()[0]


def _slow_write(path: str) -> None:
    time.sleep(30)
    Path(path).write_text("written")


def test_the_call_runs_beside_this_process_where_workers_fork_and_a_core_is_free():
    with in_background(_where, 12) as job:
        pid, value = job.result()
    assert value == 144
    if executors.START_METHOD == "fork" and executors.usable_cores() > 1:
        assert job.separate is True and pid != os.getpid()
    else:
        assert job.separate is False and pid == os.getpid()


def test_without_a_core_to_spare_the_call_is_made_here(monkeypatch):
    monkeypatch.setattr(executors, "usable_cores", lambda: 1)
    with in_background(_where, 3) as job:
        assert not job.separate
        assert job.result() == (os.getpid(), 9)


def test_the_call_s_exception_comes_back_as_itself():
    with in_background(_raises, "no such thing") as job, pytest.raises(ValueError, match="no such thing"):
        job.result()


def test_a_helper_that_dies_has_its_work_done_here():
    with in_background(_dies_unless_in, os.getpid()) as job:
        assert job.result() == "done here"


def test_leaving_the_block_early_stops_the_process(tmp_path):
    target = tmp_path / "never.txt"
    with pytest.raises(KeyError), in_background(_slow_write, str(target)) as job:
        processes = list(getattr(job._pool, "_processes", {}).values()) if job.separate else []
        raise KeyError("interrupted")
    assert not any(p.is_alive() for p in processes)
    assert not target.exists()


def test_examples_in_the_docstrings():
    assert doctest.testmod(executors, optionflags=doctest.ELLIPSIS).failed == 0


def test_the_outcome_is_kept_once_known(tmp_path):
    with in_background(_where, 5) as job:
        first = job.result()
        assert job.result() == first  # not computed again (here, in another process)
    with in_background(_raises, "once") as job:
        for _ in range(2):
            with pytest.raises(ValueError, match="once"):
                job.result()


def test_a_helper_starts_no_helpers_of_its_own():
    """One helper beside the caller is the most that pays on two cores: a helper's own
    in_background calls are made in the helper."""
    with in_background(_nested) as job:
        helper, separate, inner = job.result()
    assert not separate and inner == helper
    if job.separate:
        assert helper != os.getpid()


def test_no_worker_process_is_forked_while_a_preload_imports():
    """executors.preload runs its imports in a thread; process_pool (every fork of the package)
    waits for it first, so no child inherits a half-taken import lock. A preload that fails is
    silent (the import fails again where it is made for real)."""
    done = []

    def slow_import():
        time.sleep(0.3)  # (no timing asserted: it only keeps the thread busy when the fork is asked)
        done.append(True)

    executors.preload(slow_import)
    executors.preload(lambda: 1 / 0)
    with executors.process_pool(1) as pool:
        assert done == [True]
        assert pool.submit(_where, 3).result()[1] == 9
    assert not executors._preloads
