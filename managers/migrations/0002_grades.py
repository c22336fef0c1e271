from decimal import Decimal

from django.db import migrations

# 004 §六: four grades; core clients only to senior and first-level managers. Pay figures are editable data.
GRADES = [
    {
        "code": "senior", "rank": 40, "base_salary": Decimal("12000.00"), "marketing_allowance": Decimal("3000.00"),
        "serves_core": True, "serves_key": True, "serves_ordinary": True,
        "min_years_experience": Decimal("5.0"), "prior": "first", "min_months_in_prior_grade": 24,
        "supervises": ["first", "second", "trainee"],
        "conditions": "(1) 具备丰富的管理经验，政策和法律等知识，有较强的市场分析能力。\n"
        "(2) 具备对客户管理的组织协调能力，在市场开拓、风险控制方面具有丰富的经验和专业的技能与技巧。\n"
        "(3) 具备市场开拓、大型客户开发的规划、策划和组织管理能力。\n"
        "(4) 具备管理和协调一级和一级以下客户经理的工作。",
        "job_description": "负责核心客户与大型客户的开发规划和组织管理；管理和协调一级及以下客户经理的工作。",
    },
    {
        "code": "first", "rank": 30, "base_salary": Decimal("9000.00"), "marketing_allowance": Decimal("2000.00"),
        "serves_core": True, "serves_key": True, "serves_ordinary": True,
        "min_years_experience": Decimal("3.0"), "prior": "second", "min_months_in_prior_grade": 12,
        "supervises": ["second", "trainee"],
        "conditions": "(1) 具备较为丰富的管理、政策和法律等知识；较强的市场分析能力。\n"
        "(2) 具备较强的市场开拓和市场开发能力，较高的公关与谈判能力和一定的组织能力，丰富的客户工作经验。\n"
        "(3) 能够协助高级客户经理处理复杂的客户开发与管理事务；能够管理和协调二级及二级以下客户经理的工作。",
        "job_description": "负责大型客户开发的实施和具体运作、基本客户的管理和维护、风险业务客户的调查和管理。",
    },
    {
        "code": "second", "rank": 20, "base_salary": Decimal("6500.00"), "marketing_allowance": Decimal("1000.00"),
        "serves_core": False, "serves_key": True, "serves_ordinary": True,
        "min_years_experience": Decimal("2.0"), "prior": "trainee", "min_months_in_prior_grade": 6,
        "supervises": ["trainee"],
        "conditions": "(1) 符合客户经理任职的基本条件。\n(2) 能够独立维护重点客户和普通客户。",
        "job_description": "维护重点客户和普通客户，记录联系情况，按时提交客户报告；指导见习客户经理。",
    },
    {
        "code": "trainee", "rank": 10, "base_salary": Decimal("4500.00"), "marketing_allowance": Decimal("500.00"),
        "serves_core": False, "serves_key": False, "serves_ordinary": True,
        "min_years_experience": Decimal("1.0"), "prior": None, "min_months_in_prior_grade": 0,
        "supervises": [],
        "conditions": "(1) 符合客户经理任职的基本条件。\n(2) 具有一定的市场分析能力。\n"
        "(3) 熟悉基本的产品知识、业务和操作流程。\n(4) 具备一定的公关、交际和营销能力。",
        "job_description": "在上级客户经理指导下维护普通客户，学习产品知识与业务流程。",
    },
]


def seed_grades(apps, schema_editor):
    Grade = apps.get_model("managers", "Grade")
    by_code = {}
    for row in GRADES:
        fields = {k: v for k, v in row.items() if k not in {"code", "prior", "supervises"}}
        by_code[row["code"]], _ = Grade.objects.update_or_create(code=row["code"], defaults=fields)
    for row in GRADES:
        grade = by_code[row["code"]]
        grade.required_prior_grade = by_code.get(row["prior"]) if row["prior"] else None
        grade.save(update_fields=["required_prior_grade"])
        grade.may_supervise.set([by_code[code] for code in row["supervises"]])


class Migration(migrations.Migration):
    dependencies = [("managers", "0001_initial")]

    operations = [migrations.RunPython(seed_grades, migrations.RunPython.noop)]
