"""Running jobs so that none goes missing or runs twice: occurrences, claims, run records, locks, sending.

- An *occurrence* (core.models.JobOccurrence) is written to the database before anything is sent, keyed by what the
  job is for: "the draw of the schedule 'Spot-check draw (weekly)' at Monday 09:30", "generate the statements of
  period 7". ``job_submit`` creates it (or finds the one already there) and sends it after the transaction commits;
  ``enqueue`` is the same for a task and its arguments. A second send, a restarted beat or a redelivered message
  therefore meets the same occurrence.
- ``job_run`` wraps the work of every task. It *claims* the occurrence first: on PostgreSQL it takes a session
  advisory lock named after the occurrence (held by the worker's connection, so the server drops it the moment the
  worker dies), then marks it running. A delivery that finds the lock held skips (another worker is on it); one
  that finds the occurrence finished skips (already done). The work and the occurrence's "succeeded" are committed
  in ONE transaction, on condition that the claim is still this delivery's: the body runs once per occurrence.
- ``jobs_dispatch`` (beat runs it every few seconds, each worker at start) sends what is waiting: occurrences saved
  while the broker was unreachable, occurrences whose worker died (their lock is gone: sent again at once), and
  occurrences queued so long that their message must have been lost.
- ``job_lock`` keeps two jobs from changing the same thing at once (closing one cycle): a transaction-scoped
  PostgreSQL advisory lock; on SQLite every transaction begins IMMEDIATE (config.env), which already serialises.
"""

from core.jobs.locks import (
    ALREADY_DONE,
    CLAIM_LOST,
    INTERRUPTED,
    OCCURRENCE_LOCK_NAMESPACE,
    PENDING,
    RETRYABLE_ERRORS,
    TASK_OPTIONS,
    Status,
    job_lock,
    occurrence_holder_alive,
    occurrences_held,
)
from core.jobs.running import fault_pause, job_run
from core.jobs.sending import (
    Dispatched,
    Enqueued,
    JobProgress,
    enqueue,
    job_progress_of,
    job_submit,
    jobs_dispatch,
    jobs_pending_send_at_start,
    jobs_purge,
    jobs_send_again,
    occurrence_finish_unclaimed,
    occurrence_key,
    occurrence_send,
)

__all__ = [
    "ALREADY_DONE",
    "CLAIM_LOST",
    "Dispatched",
    "Enqueued",
    "INTERRUPTED",
    "JobProgress",
    "OCCURRENCE_LOCK_NAMESPACE",
    "PENDING",
    "RETRYABLE_ERRORS",
    "Status",
    "TASK_OPTIONS",
    "enqueue",
    "fault_pause",
    "job_lock",
    "job_progress_of",
    "job_run",
    "job_submit",
    "jobs_dispatch",
    "jobs_pending_send_at_start",
    "jobs_purge",
    "jobs_send_again",
    "occurrence_finish_unclaimed",
    "occurrence_holder_alive",
    "occurrence_key",
    "occurrence_send",
    "occurrences_held",
]
