"""The load test a candidate runs to choose a model under a p99 budget.

For a scenario whose key has a p99 budget, the candidate models (``lab.load.candidates``)
are load-tested open-loop at a rate from the app's Load test panel or ``driftlab loadtest``;
every test is saved in the candidate's workspace (``lab.workspace.loadtests``), shown as a
table and a cost-against-p99 plot, and read back by grading (``lab.grade.budget``).
"""

from lab.loadtest.run import (
    DEFAULT_REQUESTS,
    DEFAULT_WORKERS,
    MAX_WORKERS,
    LoadTestError,
    budget_of,
    run_load_tests,
)
from lab.loadtest.table import latest_per_choice, load_test_table

__all__ = ["DEFAULT_REQUESTS", "DEFAULT_WORKERS", "MAX_WORKERS", "LoadTestError", "budget_of",
           "latest_per_choice", "load_test_table", "run_load_tests"]
