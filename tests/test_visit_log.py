"""The visit log grows in parts (mentors._staff_visits, _log_room) and reads back as one array in the
order the visits were made, with a row for every visit the record counts."""

import numpy as np

from mentorsim.model.mentors import VISIT_LOG_COLUMNS
from mentorsim.model.model import MentorshipModel
from mentorsim.scenario import load_scenario


def test_the_visit_log_reads_back_whole_and_in_order_across_its_parts():
    model = MentorshipModel(dict(load_scenario("scenarios/ss2020.toml").params), seed=2, replicate=0)
    model.run()
    pool = model.pool
    assert len(pool.log_parts) >= 2  # it grew: the parts are joined below
    log = pool.visit_array()
    full = list(pool.log_parts)[:-1]  # the parts before the one being written, trimmed to their rows
    assert log.shape == (sum(len(p) for p in full) + pool.n_log[0], len(VISIT_LOG_COLUMNS))
    week, facility = log[:, 0], log[:, 1].astype(int)
    assert np.all(np.diff(week) >= 0)  # in the order made
    visited = model.record.fac["visits"]  # [row, facility]: a visit with a lead mentor counts 1
    rows, facs = np.nonzero(visited)
    logged = set(zip(week.astype(int).tolist(), facility.tolist()))
    assert len(rows) > 0 and all((r - 1, f) in logged for r, f in zip(rows.tolist(), facs.tolist()))
    model.release()
