# ruff: noqa: E501 - the indicator table reads best one row per line (Chinese names count double)
from decimal import Decimal

from django.conf import settings
from django.db import migrations

TEMPLATE_NAME = "Standard appraisal"
SCHEDULES = {
    # name: (task, hour)
    "Appraisal cycles due (daily)": ("appraisals.cycles_due", "1"),
    "Measured indicators snapshot (daily)": ("appraisals.measures_snapshot", "3"),
}

S, C, H, P = "self", "client", "head", "peer"

# The default template of seed 004 §七: performance 60 / behaviour 25 / ability 15; rater weights self 20 /
# client 30 / head 35 / peer 15. Rated indicators are the ten qualitative standards A–J of §七(四) plus the
# contents §七(二) names; measured indicators are the quantitative standards (new clients, volume and scope growth)
# and the figures the product keeps (target completion, satisfaction, complaints, interactions).
# (dimension, code, name, description, weight, raters, metric, target, rule)
INDICATORS = [
    # performance (绩效): weights 15 + 15 + 10 + 15 + 15 + 10 + 5 + 8 + 7 = 100
    ("performance", "P-NEW", "新客户增加数", "New clients in the period", 15, (), "new_clients", "5", "ratio"),
    ("performance", "P-VOL", "客户业务量增长 %", "Business volume growth %", 15, (), "volume_growth", "10", "ratio"),
    ("performance", "P-SCOPE", "客户业务范围增长", "Products added", 10, (), "scope_growth", "2", "ratio"),
    (
        "performance",
        "P-TGT",
        "工作任务指标完成率 %",
        "Target completion %",
        15,
        (),
        "target_completion",
        "100",
        "ratio",
    ),
    ("performance", "P-TASK", "工作任务完成情况及质量", "Task completion and quality", 15, (S, H), "", None, ""),
    ("performance", "P-SPEED", "工作效率与业务办理速度", "Efficiency and handling speed", 10, (S, H), "", None, ""),
    ("performance", "P-INFO", "信息反馈", "Information feedback", 5, (H, P), "", None, ""),
    ("performance", "A", "与客户关系网扩大程度", "Standard A: wider client network", 8, (S, C, H), "", None, ""),
    (
        "performance",
        "B",
        "与客户关系是否有了新的进展",
        "Standard B: client relations advanced",
        7,
        (S, C, H),
        "",
        None,
        "",
    ),
    # behaviour (行为): weights 10 + 10 + 10 + 6 + 4 + 5 + 5 + 5 + 5 + 5 + 5 + 7 + 8 + 5 + 10 = 100
    (
        "behaviour",
        "B-SAT",
        "客户满意度 (平均)",
        "Average client satisfaction (1–5)",
        10,
        (),
        "avg_satisfaction",
        "5",
        "ratio",
    ),
    ("behaviour", "B-COMPL", "客户投诉", "Complaints: 20 points lost each", 10, (), "complaints", "20", "penalty"),
    ("behaviour", "B-CONTACT", "联系记录", "Interactions logged", 10, (), "interactions", "24", "ratio"),
    ("behaviour", "B-ATT", "工作态度", "Attitude", 6, (S, C, H), "", None, ""),
    ("behaviour", "B-DISC", "纪律性", "Discipline", 4, (H,), "", None, ""),
    ("behaviour", "B-COORD", "协调性", "Coordination", 5, (H, P), "", None, ""),
    ("behaviour", "B-RESP", "责任感", "Responsibility", 5, (S, H, P), "", None, ""),
    ("behaviour", "B-INIT", "积极性", "Initiative", 5, (S, H, P), "", None, ""),
    (
        "behaviour",
        "C",
        "客户对公司的认识是否加深",
        "Standard C: client knows the company better",
        5,
        (C,),
        "",
        None,
        "",
    ),
    (
        "behaviour",
        "D",
        "客户对公司的业务是否有更多的了解",
        "Standard D: client knows our business better",
        5,
        (C,),
        "",
        None,
        "",
    ),
    (
        "behaviour",
        "E",
        "客户对公司的信任度是否提高",
        "Standard E: client trusts the company more",
        5,
        (C,),
        "",
        None,
        "",
    ),
    (
        "behaviour",
        "F",
        "客户是否决定与企业继续、扩大再合作",
        "Standard F: client continues or widens",
        7,
        (C, H),
        "",
        None,
        "",
    ),
    (
        "behaviour",
        "G",
        "客户对客户经理的评价",
        "Standard G: the client's evaluation of the manager",
        8,
        (C,),
        "",
        None,
        "",
    ),
    ("behaviour", "H", "个人工作表现", "Standard H: personal work performance", 5, (S, H), "", None, ""),
    (
        "behaviour",
        "J",
        "个人综合素质和同事评价",
        "Standard J: overall qualities, peer evaluation",
        10,
        (P, H),
        "",
        None,
        "",
    ),
    # ability (能力): weights 30 + 25 + 25 + 20 = 100
    ("ability", "AB-MKT", "市场竞争和营销能力", "Market competition and marketing", 30, (S, H), "", None, ""),
    ("ability", "AB-PROD", "新产品开发与推广能力", "New-product development and promotion", 25, (S, H), "", None, ""),
    ("ability", "AB-ANALYSIS", "客户分析能力", "Client analysis", 25, (S, H, P), "", None, ""),
    ("ability", "I", "个人工作能力", "Standard I: personal working ability", 20, (S, H), "", None, ""),
]


def seed(apps, schema_editor):
    """The default template "Standard appraisal", the 2026 plan, and the daily cycle and snapshot beat rows."""
    AppraisalPlan = apps.get_model("appraisals", "AppraisalPlan")
    Template = apps.get_model("appraisals", "Template")
    Indicator = apps.get_model("appraisals", "Indicator")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")

    plan, _ = AppraisalPlan.objects.get_or_create(
        year=2026,
        defaults={
            "purpose": "Appraise every account manager objectively, as the basis of grade changes, pay and "
            "feedback for improvement (考核结果的使用).",
            "principles": "客观化、合理化、公开化、制度化、全方位、重实绩: objective, reasonable, open, "
            "institutional, all-round, results first; rights and duties matched; cooperation and competition.",
            "content": "Performance (绩效), behaviour (行为) and ability (能力), with performance weighted most; "
            "qualitative standards A–J rated by self, client sample, department head and peers; quantitative "
            "standards from clients' data.",
            "timing": "Two regular cycles (H1, H2), irregular cycles when a cause arises; random spot-checks "
            "throughout the year.",
        },
    )
    template, created = Template.objects.get_or_create(
        name=TEMPLATE_NAME,
        defaults={
            "plan": plan,
            "weight_performance": 60,
            "weight_behaviour": 25,
            "weight_ability": 15,
            "weight_self": 20,
            "weight_client": 30,
            "weight_head": 35,
            "weight_peer": 15,
            "client_sample_size": 3,
            "peers_per_manager": 2,
        },
    )
    if created:
        Indicator.objects.bulk_create(
            Indicator(
                template=template,
                dimension=dimension,
                code=code,
                name=name,
                description=description,
                weight=weight,
                kind="measured" if metric else "rated",
                rated_by_self=S in raters,
                rated_by_client=C in raters,
                rated_by_head=H in raters,
                rated_by_peer=P in raters,
                metric=metric,
                target=Decimal(target) if target is not None else None,
                rule=rule,
                order=order,
            )
            for order, (dimension, code, name, description, weight, raters, metric, target, rule) in enumerate(
                INDICATORS
            )
        )
    for name, (task, hour) in SCHEDULES.items():
        daily, _ = CrontabSchedule.objects.get_or_create(
            minute="0", hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": daily, "enabled": True})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0002_spot_check_schedule_and_result_rule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
