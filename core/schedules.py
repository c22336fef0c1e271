"""Schedules as HR reads them: a crontab or an interval in words in the reader's language ("every Monday at 09:30",
"每周一 09:30"), and the project's registered tasks with their human labels, for the beat admin."""

from __future__ import annotations

from celery import current_app
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# Celery's day_of_week: 0 (and 7) is Sunday; three-letter English names are accepted too.
WEEKDAYS = (
    pgettext_lazy("every …", "Sunday"),
    pgettext_lazy("every …", "Monday"),
    pgettext_lazy("every …", "Tuesday"),
    pgettext_lazy("every …", "Wednesday"),
    pgettext_lazy("every …", "Thursday"),
    pgettext_lazy("every …", "Friday"),
    pgettext_lazy("every …", "Saturday"),
)
WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _number(value: str, low: int, high: int) -> int | None:
    """The value as a whole number within low..high, or None for anything else (a list, a range, a step, *)."""
    value = (value or "").strip()
    if not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _weekday(value: str) -> int | None:
    value = (value or "").strip().lower()
    if value.isalpha():
        return WEEKDAY_NAMES.index(value[:3]) if value[:3] in WEEKDAY_NAMES else None
    number = _number(value, 0, 7)
    return None if number is None else number % 7


def crontab_in_words(crontab: CrontabSchedule) -> str:
    """The crontab in words: every day, a weekday, the working week, a day of the month at a time; every N minutes;
    every hour at a minute; otherwise each field named with its value. The zone is said when it is not the site's."""
    minute, hour = _number(crontab.minute, 0, 59), _number(crontab.hour, 0, 23)
    day_of_month, month, day_of_week = (
        (crontab.day_of_month or "").strip(),
        (crontab.month_of_year or "").strip(),
        (crontab.day_of_week or "").strip().lower(),
    )
    words = ""
    if minute is not None and hour is not None and month == "*":
        time = f"{hour:02d}:{minute:02d}"
        weekday = _weekday(day_of_week)
        day = _number(day_of_month, 1, 31)
        if day_of_month == "*" and day_of_week == "*":
            words = _("every day at %(time)s") % {"time": time}
        elif day_of_month == "*" and weekday is not None:
            words = _("every %(weekday)s at %(time)s") % {"weekday": WEEKDAYS[weekday], "time": time}
        elif day_of_month == "*" and day_of_week in ("1-5", "mon-fri"):
            words = _("every working day (Monday to Friday) at %(time)s") % {"time": time}
        elif day is not None and day_of_week == "*":
            words = _("on day %(day)s of every month at %(time)s") % {"day": day, "time": time}
    elif (crontab.hour, day_of_month, month, day_of_week) == ("*", "*", "*", "*"):
        step = _number(crontab.minute[2:], 1, 59) if crontab.minute.startswith("*/") else None
        if step is not None:
            words = ngettext("every minute", "every %(count)s minutes", step) % {"count": step}
        elif minute is not None:
            words = _("every hour at minute %(minute)s") % {"minute": minute}
    if not words:
        words = _(
            "minute %(minute)s, hour %(hour)s, day of month %(day_of_month)s, month %(month)s, "
            "day of week %(day_of_week)s"
        ) % {
            "minute": crontab.minute,
            "hour": crontab.hour,
            "day_of_month": crontab.day_of_month,
            "month": crontab.month_of_year,
            "day_of_week": crontab.day_of_week,
        }
    zone = str(crontab.timezone or "")
    if zone and zone != settings.TIME_ZONE:
        words = _("%(schedule)s (%(zone)s time)") % {"schedule": words, "zone": zone}
    return words


def interval_in_words(interval: IntervalSchedule) -> str:
    every = interval.every
    period = {
        IntervalSchedule.DAYS: ngettext("every day", "every %(count)s days", every),
        IntervalSchedule.HOURS: ngettext("every hour", "every %(count)s hours", every),
        IntervalSchedule.MINUTES: ngettext("every minute", "every %(count)s minutes", every),
        IntervalSchedule.SECONDS: ngettext("every second", "every %(count)s seconds", every),
    }.get(interval.period)
    return period % {"count": every} if period else str(interval)


def schedule_in_words(task: PeriodicTask) -> str:
    """When the periodic task runs, in words; its schedule as the library writes it when it is neither a crontab nor
    an interval (a solar event, a clocked time)."""
    if task.crontab_id:
        return crontab_in_words(task.crontab)
    if task.interval_id:
        return interval_in_words(task.interval)
    schedule = task.solar or task.clocked
    return str(schedule) if schedule else "—"


def registered_tasks() -> dict[str, str]:
    """The project's tasks a schedule may run, each name with its label in the reader's language: every task
    registered with a `label` (Celery's own and any library's are left out)."""
    app = current_app
    app.loader.import_default_modules()
    return {name: str(task.label) for name, task in app.tasks.items() if getattr(task, "label", None)}
