"""Business rules of pay and recognition (writes). Admin actions, pages, tasks and the demo all call these."""

from incentives.services.payroll import COMPUTED_FIELDS, pay_statements_generate, pay_statements_generate_check
from incentives.services.payroll_lines import GradeSpan, employed_days, grade_spans
from incentives.services.schemes import (
    cycle_pay_month,
    departure_record,
    month_code,
    pay_period_create,
    pay_period_for_month,
    pay_scheme_create,
)
from incentives.services.statements import (
    pay_adjustment_create,
    pay_period_approve,
    pay_period_export,
    pay_statement_approve,
    recognition_award,
)

__all__ = [
    "COMPUTED_FIELDS",
    "GradeSpan",
    "cycle_pay_month",
    "departure_record",
    "employed_days",
    "grade_spans",
    "month_code",
    "pay_adjustment_create",
    "pay_period_approve",
    "pay_period_create",
    "pay_period_for_month",
    "pay_period_export",
    "pay_scheme_create",
    "pay_statement_approve",
    "pay_statements_generate",
    "pay_statements_generate_check",
    "recognition_award",
]
