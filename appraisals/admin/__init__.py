"""HR's admin for appraisals, one module per area."""

from appraisals.admin import cycles, ratings, results  # noqa: F401
