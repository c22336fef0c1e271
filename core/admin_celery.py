"""The Celery admins as HR uses them: task results are a record (read-only), a crontab field says in words what it
accepts and each crontab says when it runs, and a periodic task form offers the registered tasks by their labels and
answers a field error where the library's form would fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_celery_beat import validators
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskForm
from django_celery_beat.models import CrontabSchedule
from django_celery_results.admin import GroupResultAdmin, TaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult

from core.schedules import crontab_in_words, registered_tasks

CRONTAB_HELP = {
    "minute": _("A minute 0–59, a list (0,30), a range (0-29), a step (*/15) or * for every minute."),
    "hour": _("An hour 0–23, a list (9,17), a range (9-17), a step (*/2) or * for every hour."),
    "day_of_month": _("A day 1–31, a list (1,15), a range (1-7), a step (*/2) or * for every day."),
    "month_of_year": _("A month 1–12, a list (1,7), a range (1-6), a step (*/3) or * for every month."),
    "day_of_week": _("A weekday 0–6 (0 is Sunday), a list (1,3,5), a range (1-5) or * for every day."),
}
CRONTAB_VALIDATORS = {
    "minute": validators.minute_validator,
    "hour": validators.hour_validator,
    "day_of_month": validators.day_of_month_validator,
    "month_of_year": validators.month_of_year_validator,
    "day_of_week": validators.day_of_week_validator,
}


def _in_words(validator: Callable[[str], None], help_text: str) -> Callable[[str], None]:
    """`validator` with its refusal worded for HR: the library's speaks to programmers ("No enumeration for
    Minutes: '-1'")."""

    def check(value: str) -> None:
        try:
            validator(value)
        except ValidationError as error:
            raise ValidationError(_("Not a valid value. %(help)s") % {"help": help_text}, code="invalid") from error

    return check


class CrontabScheduleForm(forms.ModelForm):
    class Meta:
        model = CrontabSchedule
        fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, help_text in CRONTAB_HELP.items():
            if name in self.fields:
                self.fields[name].help_text = help_text
                # A field refused here is left out of the model's own validation, so one message shows.
                self.fields[name].validators.append(_in_words(CRONTAB_VALIDATORS[name], help_text))


class PlainCrontabScheduleAdmin(CrontabScheduleAdmin):
    form = CrontabScheduleForm
    list_display = ("__str__", "in_words")

    @admin.display(description=_("in words"))
    def in_words(self, obj: CrontabSchedule) -> str:
        return crontab_in_words(obj)


def registered_task_choices() -> list[tuple[str, str]]:
    """The project's registered tasks as choices, by label in the reader's language; the name follows the label,
    since it is what the job lists show."""
    tasks = sorted(registered_tasks().items(), key=lambda item: item[1])
    return [("", "---------"), *((name, f"{label} ({name})") for name, label in tasks)]


class PlainPeriodicTaskForm(PeriodicTaskForm):
    """The task chosen from the project's registered tasks by its label (a name typed by hand could name nothing
    a worker runs), and each crontab offered in words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("regtask", None)
        self.fields["task"] = forms.ChoiceField(
            label=_("task"),
            choices=registered_task_choices(),
            help_text=_("What the schedule runs: one of the system's registered tasks."),
        )
        if "crontab" in self.fields:
            self.fields["crontab"].label_from_instance = crontab_in_words

    def clean(self) -> dict[str, Any]:
        # The library's clean reads cleaned_data["task"], absent when the field was refused: the field says why.
        if "task" not in self.cleaned_data:
            return self.cleaned_data
        return super().clean()


class ReadOnlyResultMixin:
    """What the workers wrote, as they wrote it: HR reads task results, and adds, changes or deletes none."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyTaskResultAdmin(ReadOnlyResultMixin, TaskResultAdmin):
    pass


class ReadOnlyGroupResultAdmin(ReadOnlyResultMixin, GroupResultAdmin):
    pass


for model, model_admin in (
    (CrontabSchedule, PlainCrontabScheduleAdmin),
    (TaskResult, ReadOnlyTaskResultAdmin),
    (GroupResult, ReadOnlyGroupResultAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
