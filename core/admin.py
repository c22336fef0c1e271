"""HR's view of the jobs: each occurrence and its state, each run (when, how long, what failed and why), and the beat
schedules with how late each may catch up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from core.admin_celery import PlainPeriodicTaskForm
from core.admin_jobs import queued_jobs_report
from core.beat import schedule_catch_up_set, schedule_run_now
from core.jobs import jobs_send_again
from core.models import JobOccurrence, JobRun, ScheduleCatchUp
from core.schedules import registered_tasks, schedule_in_words


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


@admin.register(JobOccurrence)
class JobOccurrenceAdmin(admin.ModelAdmin):
    """Every job, scheduled or requested: what it is for, its state, its attempts, why it failed or was refused."""

    list_display = ("key", "status", "scheduled_for", "created_at", "attempts", "finished_at", "error_short")
    list_filter = ("status", "task", "schedule_name")
    search_fields = ("key", "task", "task_id", "error")
    readonly_fields = [field.name for field in JobOccurrence._meta.fields]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.display(description=_("error"))
    def error_short(self, obj: JobOccurrence) -> str:
        text = obj.refusal_text() or obj.send_error or obj.error
        lines = [line for line in text.strip().splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""

    @admin.action(description=_("Send the selected failed or missed jobs again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[JobOccurrence]) -> None:
        count = jobs_send_again(pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d job will be sent again.", "%(count)d jobs will be sent again.", count)
            % {"count": count},
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobOccurrence | None = None) -> bool:
        return False


class PeriodicTaskCatchUpForm(PlainPeriodicTaskForm):
    catch_up_within = forms.DurationField(
        label=_("Catch up within"),
        required=False,
        help_text=ScheduleCatchUp._meta.get_field("within").help_text,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = ScheduleCatchUp.objects.filter(periodic_task_id=self.instance.pk).first() if self.instance.pk else None
        self.fields["catch_up_within"].initial = rule.within if rule else None


def _schedule_fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The library's fields, with the registered task only (no free-typed name), the schedule in words in place of
    its English-only translation, and the catch-up rule after the crontab."""
    replaced = {"regtask": (), "crontab_translation": ("when_it_runs",), "crontab": ("crontab", "catch_up_within")}
    return tuple(name for field in fields for name in replaced.get(field, (field,)))


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class JobScheduleAdmin(PeriodicTaskAdmin):
    """The beat schedules, with how late each may catch up, and "Run selected tasks" through the jobs' one way in
    (core.jobs.job_submit): recorded first, sent when the broker can be reached, never a 500."""

    form = PeriodicTaskCatchUpForm
    # The library's form page adds an English-only "Translation:" of the crontab by script; the crontab's choices and
    # "when it runs" say it in the reader's language instead.
    change_form_template = "admin/change_form.html"
    list_display = ("name", "enabled", "when_it_runs", "task_label", "last_run_at")
    readonly_fields = ("last_run_at", "when_it_runs")
    fieldsets = tuple(
        (
            name,
            {**options, "fields": _schedule_fields(options["fields"])},
        )
        for name, options in PeriodicTaskAdmin.fieldsets
    )

    @admin.display(description=_("when it runs"))
    def when_it_runs(self, obj: PeriodicTask) -> str:
        return schedule_in_words(obj) if obj.pk else "—"

    @admin.display(description=_("task"), ordering="task")
    def task_label(self, obj: PeriodicTask) -> str:
        label = registered_tasks().get(obj.task)
        return f"{label} ({obj.task})" if label else obj.task

    def save_model(self, request: HttpRequest, obj: PeriodicTask, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        schedule_catch_up_set(periodic_task=obj, within=form.cleaned_data.get("catch_up_within"))

    @admin.action(description=_("Run selected tasks"))
    def run_tasks(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> None:
        queued_jobs_report(
            self,
            request,
            ((row.name, schedule_run_now(row), "") for row in queryset),
            started=_("Queued; follow its progress:"),
            later=lambda names: (
                _("The job queue cannot be reached right now: %(jobs)s saved and will run when it is back.")
                % {"jobs": names}
            ),
        )
