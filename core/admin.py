"""HR's view of the scheduled and queued jobs: when each last ran, how long it took, what failed and why."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import admin_celery  # noqa: F401 - registers the Celery admins HR uses
from core.models import JobRun


class LatestPerJobFilter(admin.SimpleListFilter):
    """ "Last run of each job" (the default view) or every run."""

    title = _("runs")
    parameter_name = "runs"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("all", _("every run"))]

    def choices(self, changelist):  # noqa: ANN001, ANN201 - Django's signature
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("last run of each job"),
        }
        yield from list(super().choices(changelist))[1:]

    def queryset(self, request: HttpRequest, queryset: QuerySet[JobRun]) -> QuerySet[JobRun]:
        if self.value() == "all":
            return queryset
        latest = JobRun.objects.values("name").annotate(last=Max("pk")).values("last")
        return queryset.filter(pk__in=latest)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "finished_at", "duration", "status", "result_short", "error_short")
    list_filter = (LatestPerJobFilter, "name", "status")
    search_fields = ("name", "task_id", "result", "error")
    readonly_fields = ("name", "task_id", "started_at", "finished_at", "duration", "status", "result", "error")
    date_hierarchy = "started_at"

    @admin.display(description=_("result"))
    def result_short(self, obj: JobRun) -> str:
        return obj.result[:120] if obj.status != "pending" else _("waiting for the job queue")

    @admin.display(description=_("error"))
    def error_short(self, obj: JobRun) -> str:
        # The last line of a traceback says what failed.
        lines = [line for line in obj.error.strip().splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False
