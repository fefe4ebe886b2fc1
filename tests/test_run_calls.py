"""blocks.run_calls, through which a national-scale model's steps run on its blocks: on several
threads each thread takes the next call not yet taken; whatever the threads and the calls'
durations, every call runs once and the results come back in call order, and an error in a call
reaches the caller once no thread is still running one."""

import threading
import time

import pytest

from mentorsim.model import blocks


@pytest.mark.parametrize("n_threads", ["1", "2", "3"])
def test_every_call_once_results_in_call_order(monkeypatch, n_threads):
    monkeypatch.setenv("MENTORSIM_THREADS", n_threads)
    ran = []
    lock = threading.Lock()

    def kernel(i, delay):
        time.sleep(delay)  # uneven calls: the first ones slow (sleep lets the other threads run)
        with lock:
            ran.append(i)
        return i * i

    calls = [(i, 0.02 if i < 2 else 0.0) for i in range(9)]
    assert blocks.run_calls(kernel, calls) == [i * i for i in range(9)]
    assert sorted(ran) == list(range(9))


def test_an_error_in_a_call_reaches_the_caller_after_the_others(monkeypatch):
    monkeypatch.setenv("MENTORSIM_THREADS", "2")
    running = []

    def kernel(i):
        running.append(i)
        if i == 3:
            raise ValueError("call 3")
        time.sleep(0.01)
        running.remove(i)

    with pytest.raises(ValueError, match="call 3"):
        blocks.run_calls(kernel, [(i,) for i in range(8)])
    assert running == [3]  # every other call had finished when the error came back
