"""Celery tasks of the appraisal, found by autodiscovery here; each area keeps its tasks in its own module."""

from appraisals.tasks_cycles import *  # noqa: F403
from appraisals.tasks_ratings import *  # noqa: F403
from appraisals.tasks_results import *  # noqa: F403
