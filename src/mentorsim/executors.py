"""Executors: where a sweep's runs are computed.

- :class:`SerialExecutor`: in this process, one chunk after another (``--workers 1``).
- :class:`LocalExecutor`: worker processes on this machine (``--workers N``, default all cores).
- :class:`DaskExecutor`: the workers of a running Dask distributed scheduler (``--scheduler ADDRESS``),
  on this machine or many.

All three take the same work, chunks of runs, and call back in the calling thread as each chunk
finishes, so the sweep stores results the same way whichever computes them. A run's result
depends only on its parameters, the experiment seed and its replicate number, never on where or
in which order it ran, so the three give identical results.

A worker process that dies (killed, out of memory, crashed) takes its chunk with it: the chunk is
split into single runs and retried, up to ``max_attempts`` tries per run; a run that still cannot
finish is handed to ``on_lost`` and recorded as failed with the reason. Local workers watch their
parent and exit if it dies, so a killed sweep leaves no orphans.

This module is the one place that starts worker processes on this machine: sweeps
(:class:`LocalExecutor`), the PSA and the pool planner (:func:`process_pool`) and calibration
(:func:`abc_sampler`, pyABC's own sampler, whose workers are made to watch their parent too)
and a sweep's export, whose independent parts run side by side (:func:`in_background`).
They all use :func:`mp_context`, the start method chosen once in :data:`START_METHOD`, passed
explicitly: the global start method (``multiprocessing.set_start_method``) is never read or
changed, so importing a library that changes it (Mesa's batchrunner sets ``spawn``) changes
nothing here.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import mentorsim
from mentorsim.errors import input_error

#: fn(job, chunk, attempt) -> result; on_result(chunk, result); on_lost(chunk, attempt, message).
ChunkFn = Callable[[Any, Sequence, int], Any]
MAX_ATTEMPTS = 3


class _Closing:
    """Executors are context managers: ``with LocalExecutor(2) as ex: ...`` closes the workers."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SerialExecutor(_Closing):
    """Runs every chunk in the calling process."""

    label = "serial"
    workers = 1

    def map(self, fn: ChunkFn, job, chunks, on_result, on_lost, max_attempts: int = MAX_ATTEMPTS) -> None:
        for chunk in chunks:
            try:
                result = fn(job, chunk, 1)
            except Exception as exc:
                on_lost(chunk, 1, f"{type(exc).__name__}: {exc}")
                continue
            on_result(chunk, result)

    def close(self) -> None:
        pass


#: How worker processes start. ``fork`` where it is safe (Linux and other POSIX systems but macOS):
#: workers start warm, with the compiled kernels and loaded modules of the parent, and need
#: nothing pickled but their work. ``spawn`` elsewhere (macOS, where forking a process that has
#: started system frameworks can crash; Windows, which has no fork).
START_METHOD = ("fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
                else "spawn")


def mp_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context every worker process is started from (``START_METHOD``)."""
    return multiprocessing.get_context(START_METHOD)


def _watch_parent(ppid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(1)


_watching: int | None = None  # pid of the process whose parent watch runs


def watch_parent(ppid: int) -> None:
    """In a worker: exit as soon as the parent ``ppid`` is gone (checked every 0.5 s), so a killed
    command leaves no orphans holding its pipes. Starts one watch per process; a no-op in ``ppid``."""
    global _watching
    if os.getpid() == ppid or _watching == os.getpid():
        return
    _watching = os.getpid()
    threading.Thread(target=_watch_parent, args=(ppid,), daemon=True, name="mentorsim-parent-watch").start()


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_threads(workers: int) -> int:
    """Threads each of ``workers`` worker processes may give the model (``MENTORSIM_THREADS``):
    the usable cores shared out, at least 1, so that the workers together never ask for more
    threads than there are cores (2 workers on 2 cores: 1 each)."""
    return max(1, usable_cores() // max(1, workers))


def _init_worker(ppid: int, threads: int) -> None:
    """In a new worker process: die with the parent (:func:`watch_parent`) and keep the model to
    ``threads`` threads unless ``MENTORSIM_THREADS`` was set by the user (model/blocks.py reads it;
    results never depend on it)."""
    watch_parent(ppid)
    os.environ.setdefault("MENTORSIM_THREADS", str(threads))


_preloads: list[threading.Thread] = []


def preload(load: Callable[[], Any]) -> None:
    """Call ``load`` (a function that imports modules) in a thread of this process, now, while it
    waits on its workers: what it needs after them (a sweep's plots and exports) is then loaded
    when they finish, its import paid on a core's sliver during the runs rather than after them.
    An error is left to happen again where the module is imported for real. Worker processes are
    never forked while a preload runs (:func:`process_pool` waits for it: a forked child would
    inherit the import locks of a thread it does not have)."""
    def run():
        try:
            load()
        except Exception:  # (ImportError and the like: met again where the module is used)
            return

    thread = threading.Thread(target=run, daemon=True, name="mentorsim-preload")
    _preloads.append(thread)
    thread.start()


def _preloaded() -> None:
    """Wait for the imports :func:`preload` started (before forking)."""
    while _preloads:
        _preloads.pop().join()


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` processes from :func:`mp_context` whose workers die with this process
    and share the cores between them (:func:`worker_threads`). Started once :func:`preload`'s
    imports are done.

    Use it as a context manager (``with process_pool(2) as pool: pool.map(...)``).
    """
    _preloaded()
    workers = max(1, workers)
    return cf.ProcessPoolExecutor(workers, mp_context=mp_context(), initializer=_init_worker,
                                  initargs=(os.getpid(), worker_threads(workers)))


class Background(_Closing):
    """``fn(*args)`` started in a process of its own (:func:`in_background`); :meth:`result` waits.

    Leaving the ``with`` block without having asked for the result (an exception, an interrupt)
    stops the process; a process that dies is not an error: ``fn(*args)`` is then called in this
    process, so the caller gets the result, or ``fn``'s own exception, either way."""

    def __init__(self, fn: Callable, args: tuple, separate: bool):
        self.fn, self.args = fn, args
        #: Whether ``fn`` runs in a process of its own (False: :meth:`result` calls it here).
        self.separate = separate
        self._pool: cf.ProcessPoolExecutor | None = process_pool(1) if separate else None
        self._future = self._pool.submit(_as_helper, fn, *args) if self._pool is not None else None
        self._outcome: tuple[bool, Any] | None = None  # (raised, value or exception), once known

    def result(self):
        """``fn(*args)``'s value, or its exception raised again; the same however often asked."""
        if self._outcome is None:
            try:
                self._outcome = (False, self._compute())
            except Exception as exc:  # (an interrupt is not an outcome: it stops the process)
                self._outcome = (True, exc)
        raised, value = self._outcome
        if raised:
            raise value
        return value

    def _compute(self):
        if self._future is None:
            return self.fn(*self.args)
        try:
            value = self._future.result()
        except cf.process.BrokenProcessPool:  # the process died (killed, out of memory): do it here
            self.close()
            return self.fn(*self.args)
        except BaseException:
            self.close()
            raise
        pool, self._pool, self._future = self._pool, None, None
        pool.shutdown(wait=True)  # done: the idle process exits by itself
        return value

    def close(self) -> None:
        """Stop the process (if :meth:`result` has not been asked for, its work is lost)."""
        if self._pool is None:
            return
        pool, self._pool, self._future = self._pool, None, None
        for proc in list(getattr(pool, "_processes", {}).values()):
            if proc.is_alive():
                proc.terminate()
        # the pool's own thread reaps them (joining them here too raced with it: the thread that
        # lost saw a reaped process as still alive)
        pool.shutdown(wait=True, cancel_futures=True)


_helper = False  # whether this process is a helper started by in_background


def _as_helper(fn: Callable, *args):
    global _helper
    _helper = True
    return fn(*args)


def in_background(fn: Callable, *args) -> Background:
    """Start ``fn(*args)`` in a worker process of its own and return at once, so this process can
    do other work meanwhile (the independent parts of a sweep's export); ``.result()`` waits for it.

    Only where worker processes start warm (``fork``), there is a core to spare, and this process
    is not itself such a helper (each costs 0.2-0.3 s of CPU more than the call here, so one
    beside the caller is the most that pays on two cores): elsewhere ``fn`` is called in this
    process by ``.result()`` instead. ``fn`` and ``args`` must pickle; ``fn`` should write files
    or return something small. Use it as a context manager, so the process ends with the block.

    Examples:
        >>> with in_background(pow, 2, 10) as job:
        ...     job.result()
        1024
    """
    return Background(fn, args, separate=START_METHOD == "fork" and usable_cores() > 1 and not _helper)


def shared_counter(value: int = 0):
    """A process-shared 64-bit integer (``.value``, with ``.get_lock()``) from :func:`mp_context`."""
    return mp_context().Value("q", value)


class _ParentWatching:
    """Wraps pyABC's ``simulate_one`` so the worker that calls it first starts :func:`watch_parent`."""

    def __init__(self, fn, ppid: int):
        self.fn, self.ppid = fn, ppid

    def __call__(self, *args, **kwargs):
        watch_parent(self.ppid)
        return self.fn(*args, **kwargs)


def abc_sampler(workers: int):
    """The pyABC sampler for ``workers`` processes (1: in this process).

    pyABC starts its own processes (``MulticoreEvalParallelSampler``, from its ``get_mp_context``:
    ``fork`` where available, not configurable); what can be done here is done: its workers run
    :func:`watch_parent`, so they die with the command (they are daemons, which covers only a
    normal exit of the parent, not a kill).
    """
    import pyabc  # deliberately lazy: a heavy library needed only by `mentorsim calibrate`

    if workers <= 1:
        return pyabc.SingleCoreSampler(check_max_eval=True)

    class ParentWatchingSampler(pyabc.MulticoreEvalParallelSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
            return super().sample_until_n_accepted(n, _ParentWatching(simulate_one, os.getpid()), t, **kwargs)

    return ParentWatchingSampler(n_procs=workers, check_max_eval=True)


class LocalExecutor(_Closing):
    """Worker processes on this machine (:func:`process_pool`: started warm where ``fork`` is used)."""

    label = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: cf.ProcessPoolExecutor | None = None

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return process_pool(self.workers)

    def map(self, fn: ChunkFn, job, chunks, on_result, on_lost, max_attempts: int = MAX_ATTEMPTS) -> None:
        try:
            self._map(fn, job, chunks, on_result, on_lost, max_attempts)
        except BaseException:
            self._abandon()  # interrupted: stop the workers now rather than wait for their chunks
            raise

    def _abandon(self) -> None:
        if self._pool is None:
            return
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        self._pool = None

    def _map(self, fn, job, chunks, on_result, on_lost, max_attempts) -> None:
        queue = _Queue(chunks)
        in_flight: dict[cf.Future, tuple] = {}
        limit = 2 * self.workers
        self._pool = self._pool or self._new_pool()
        while queue or in_flight:
            while len(in_flight) < limit and (item := queue.next()) is not None:
                chunk, attempt = item
                in_flight[self._pool.submit(fn, job, chunk, attempt)] = (chunk, attempt)
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            broken = False
            for fut in done:
                chunk, attempt = in_flight.pop(fut)
                exc = fut.exception()
                if exc is None:
                    on_result(chunk, fut.result())
                elif isinstance(exc, cf.process.BrokenProcessPool):
                    broken = True
                    _retry(queue, chunk, attempt, max_attempts, on_lost, "a worker process died")
                else:
                    on_lost(chunk, attempt, f"{type(exc).__name__}: {exc}")
            if broken:
                # Every chunk still in flight went down with the pool: retry them on a new one.
                for fut, (chunk, attempt) in list(in_flight.items()):
                    exc = fut.exception() if fut.done() else None
                    if fut.done() and exc is None:
                        on_result(chunk, fut.result())
                    else:
                        _retry(queue, chunk, attempt, max_attempts, on_lost, "a worker process died")
                in_flight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class _Queue:
    """Chunks to run: retries first, then the (lazy) chunks not yet started."""

    def __init__(self, chunks):
        self._fresh = iter(chunks)
        self._retries: collections.deque = collections.deque()
        self._peeked = None

    def next(self):
        if self._retries:
            return self._retries.popleft()
        if self._peeked is not None:
            item, self._peeked = self._peeked, None
            return item
        chunk = next(self._fresh, None)
        return None if chunk is None else (chunk, 1)

    def __bool__(self) -> bool:
        if self._retries or self._peeked is not None:
            return True
        chunk = next(self._fresh, None)
        if chunk is None:
            return False
        self._peeked = (chunk, 1)
        return True

    def retry(self, item) -> None:
        self._retries.appendleft(item)


def _retry(queue: _Queue, chunk, attempt, max_attempts, on_lost, why: str) -> None:
    """Requeue a chunk as single runs at the front, or give it up after ``max_attempts``."""
    if attempt >= max_attempts:
        on_lost(chunk, attempt, f"{why} while running it, {attempt} times")
        return
    for run in reversed(list(chunk)):
        queue.retry(([run], attempt + 1))


def _probe() -> str:
    return mentorsim.__version__


#: Address schemes of a Dask scheduler that a sweep can use.
DASK_SCHEMES = ("tcp", "tls")


def check_scheduler_address(address: str) -> str:
    """A Dask scheduler address, ``[tcp://|tls://]HOST:PORT``, checked before anything connects,
    so a mistyped address fails at once in one line (InputError) rather than after a timeout.

    Examples:
        >>> check_scheduler_address("tcp://127.0.0.1:8786")
        'tcp://127.0.0.1:8786'
        >>> check_scheduler_address("not a url")
        Traceback (most recent call last):
        mentorsim.errors.InputError: command line: --scheduler = 'not a url': must be an address such as tcp://127.0.0.1:8786 (tcp:// or tls://, a host and a port from 1 to 65535)
    """
    from urllib.parse import urlsplit

    allowed = "must be an address such as tcp://127.0.0.1:8786 (tcp:// or tls://, a host and a port from 1 to 65535)"
    text = address if "://" in address else f"tcp://{address}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise input_error("command line", "--scheduler", allowed, address) from None
    if (parts.scheme not in DASK_SCHEMES or not parts.hostname or port is None or not 1 <= port <= 65535
            or parts.path not in ("", "/") or parts.query or parts.fragment or any(c.isspace() for c in address)):
        raise input_error("command line", "--scheduler", allowed, address)
    return address


class DaskExecutor(_Closing):
    """The workers of a Dask distributed scheduler at ``address`` (e.g. ``tcp://127.0.0.1:8786``).

    Workers need mentorsim importable (the same version as here). Dask reschedules the tasks of a
    worker that dies; a task that has killed ``distributed.scheduler.allowed-failures`` workers
    comes back as ``KilledWorker`` and is split and retried here like a local one.
    """

    label = "dask"

    def __init__(self, address: str, timeout: float = 15.0):
        check_scheduler_address(address)
        from distributed import Client  # deliberately lazy: Dask is heavy and needed only with --scheduler
        self.address = address
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise input_error("--scheduler", None, f"cannot reach a Dask scheduler at {address} "
                              f"({type(exc).__name__}: {exc}); start one with `dask scheduler` and "
                              "`dask worker ADDRESS`", ) from None
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            self.client.close()
            raise input_error("--scheduler", None, f"the scheduler at {address} has no workers "
                              f"(waited {timeout:g} s); start some with `dask worker {address}`") from None
        try:
            versions = self.client.run(_probe)
        except Exception as exc:
            self.client.close()
            raise input_error("--scheduler", None, f"workers at {address} cannot import mentorsim "
                              f"({type(exc).__name__}: {exc})") from None
        wrong = {w: v for w, v in versions.items() if v != mentorsim.__version__}
        if wrong:
            self.client.close()
            raise input_error("--scheduler", None, f"workers run another mentorsim version ({wrong}); "
                              f"this is {mentorsim.__version__}")

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, fn: ChunkFn, job, chunks, on_result, on_lost, max_attempts: int = MAX_ATTEMPTS) -> None:
        # deliberately lazy, as in __init__: Dask is needed only with --scheduler
        from distributed import as_completed
        from distributed.client import FutureCancelledError
        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - older distributed
            from distributed import KilledWorker
        queue = _Queue(chunks)
        limit = 4 * self.workers
        meta: dict = {}
        ac = as_completed(loop=self.client.loop)

        def submit():
            while len(meta) < limit and (item := queue.next()) is not None:
                chunk, attempt = item
                fut = self.client.submit(fn, job, chunk, attempt, pure=False)
                meta[fut.key] = (chunk, attempt)
                ac.add(fut)

        submit()
        while meta:
            fut = next(ac)
            chunk, attempt = meta.pop(fut.key)
            try:
                result = fut.result()
            except (KilledWorker, FutureCancelledError, OSError) as exc:
                _retry(queue, chunk, attempt, max_attempts, on_lost, f"a Dask worker died ({type(exc).__name__})")
            except Exception as exc:
                on_lost(chunk, attempt, f"{type(exc).__name__}: {exc}")
            else:
                on_result(chunk, result)
            finally:
                fut.release()
            submit()

    def close(self) -> None:
        self.client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None):
    """The executor the command line asked for: Dask if ``scheduler``, serial if 1 worker, else local."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers is not None and workers < 1:
        raise input_error("--workers", None, "must be a whole number of at least 1", workers)
    if workers == 1:
        return SerialExecutor()
    return LocalExecutor(workers)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` is running (a stale staging file or folder is one whose creator is
    gone). A process we may not signal is alive.

    Examples:
        >>> import os
        >>> process_alive(os.getpid())
        True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
