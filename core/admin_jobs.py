"""Admin actions that queue jobs: telling HR what became of each (a progress link, or "saved to run later")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.jobs import Enqueued


def queued_jobs_report(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    jobs: Iterable[tuple[str, Enqueued, str]],
    *,
    started: str,
    later: Callable[[str], str],
) -> None:
    """One message for the jobs the broker took: `started`, then a link per job to its progress page, which links on
    to `result_url` when the job is done; one warning naming the jobs saved to be sent when the queue is back
    (`later(labels)`). `jobs` are (label, what enqueue() returned, result_url)."""
    jobs = list(jobs)
    saved = [label for label, outcome, _url in jobs if outcome.later]
    sent = [(label, outcome, url) for label, outcome, url in jobs if not outcome.later]
    if saved:
        modeladmin.message_user(request, later(", ".join(saved)), messages.WARNING)
    if sent:
        links = format_html_join(
            ", ",
            '<a href="{}?{}">{}</a>',
            (
                (reverse("job_progress", args=[outcome.task_id]), urlencode({"next": url}), label)
                for label, outcome, url in sent
            ),
        )
        modeladmin.message_user(request, format_html("{} {}", started, links), messages.SUCCESS)
