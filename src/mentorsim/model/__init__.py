"""The agent-based model: agents, facilities, mentors, modalities and the weekly step.

Mesa is first imported here, and Mesa 3.3.1 sets the process's multiprocessing start method to
``spawn`` when it is imported (``mesa.batchrunner`` calls ``set_start_method("spawn",
force=True)``): the method the process had before is put back, so using mentorsim never changes
a user's choice (our own workers choose theirs explicitly, see executors.py).
"""

import multiprocessing

_start_method = multiprocessing.get_start_method(allow_none=True)
import mesa  # noqa: E402, F401  (imported between reading and restoring the start method)

if multiprocessing.get_start_method(allow_none=True) != _start_method:
    multiprocessing.set_start_method(_start_method, force=True)
del _start_method
