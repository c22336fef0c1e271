"""HR's admin for appraisals, one module per area."""

from appraisals.admin import appeals, cycles, draws, ratings, results  # noqa: F401
