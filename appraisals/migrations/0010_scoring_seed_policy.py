"""Seed the appraisal policy's defaults: bands 90/80/60, hold at the deadline, every gap left out (the fair one)."""

from decimal import Decimal

from django.db import migrations

GAPS = (
    "rater_type_missing",
    "no_target",
    "no_earlier_period",
    "no_clients",
    "no_survey_answers",
    "joined_mid_cycle",
    "supervisor_changed",
)
DEFAULT_YEAR = 2000  # earlier than any plan: the version every cycle falls back on


def seed(apps, schema_editor):
    AppraisalPolicy = apps.get_model("appraisals", "AppraisalPolicy")
    MissingDataRule = apps.get_model("appraisals", "MissingDataRule")
    policy, _created = AppraisalPolicy.objects.get_or_create(
        year=DEFAULT_YEAR,
        defaults={
            "excellent_from": Decimal("90"),
            "good_from": Decimal("80"),
            "pass_from": Decimal("60"),
            "deadline_extension_days": 0,
            "deadline_max_extensions": 0,
            "note": "Defaults: nobody gains or loses from data that does not exist.",
        },
    )
    for gap in GAPS:
        MissingDataRule.objects.get_or_create(policy=policy, gap=gap, defaults={"action": "leave_out"})


def unseed(apps, schema_editor):
    apps.get_model("appraisals", "AppraisalPolicy").objects.filter(year=DEFAULT_YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [("appraisals", "0009_scoring_policy_deadline_hold")]

    operations = [migrations.RunPython(seed, unseed)]
