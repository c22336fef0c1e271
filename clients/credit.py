"""Who is credited with a client's business in a period: each manager's share of each client they served.

By the BusinessCreditPolicy in force for the period (HR's data):
- split by days served (the default): a manager's share of a client is the days they served it within the period
  over the days anyone served it within the period. Assignment dates are inclusive, so a client handed over on the
  16th of a 30-day month (the old assignment ends on the 15th) gives 15/30 to each manager. A client nobody served on
  some days is shared among those who did: the shares of a served client always sum to 1.
- all to the holder on the period's last day: the same computation over the one-day window [end, end].
On a same-day correction (an assignment that starts and ends on a day another one of the client starts) the newer
assignment holds that day, as clients.selectors.client_assignment_on decides.

The shares are a relation the measures join in their own aggregate (one query whatever the number of managers):
served(manager_id, client_id, days, client_days, is_new), is_new being 1 for a client whose first assignment ever
starts within the period (a new client, credited by the same share).
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from clients.models import Assignment, BusinessCreditPolicy


def _days_between(later: str, earlier: str) -> str:
    """SQL for the whole days from one date expression to another (PostgreSQL subtracts dates; SQLite has no date
    type and counts through Julian day numbers)."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)"


def served_shares_sql(*, mode: str, manager_ids: list[int], start: date, end: date) -> tuple[str, list]:
    """The relation served(manager_id, client_id, days, client_days, is_new) of the managers asked, with its
    parameters; share = days / client_days."""
    table = connection.ops.quote_name(Assignment._meta.db_table)
    end_column = connection.ops.quote_name("end")
    first = end if mode == BusinessCreditPolicy.Mode.PERIOD_END_HOLDER else start
    # Each assignment's days within [first, end]: its clamped last day minus its clamped first day, plus one, minus the
    # day a same-day correction hands to the newer row.
    clamped_start = "CASE WHEN a.start > %s THEN a.start ELSE %s END"
    clamped_end = f"CASE WHEN a.{end_column} IS NULL OR a.{end_column} > %s THEN %s ELSE a.{end_column} END"
    days = f"""{_days_between(clamped_end, clamped_start)} + 1
        - CASE WHEN a.{end_column} <= %s AND EXISTS (
              SELECT 1 FROM {table} n WHERE n.client_id = a.client_id AND n.start = a.{end_column} AND n.id > a.id
          ) THEN 1 ELSE 0 END"""
    in_window = f"a.start <= %s AND (a.{end_column} IS NULL OR a.{end_column} >= %s)"
    asked = ", ".join(["%s"] * len(manager_ids)) or "NULL"
    sql = f"""
        SELECT manager_id, client_id, days, client_days,
               CASE WHEN EXISTS (SELECT 1 FROM {table} f WHERE f.client_id = shares.client_id AND f.start < %s)
                    THEN 0 ELSE 1 END AS is_new
        FROM (
            SELECT manager_id, client_id, days, SUM(days) OVER (PARTITION BY client_id) AS client_days
            FROM (
                SELECT a.manager_id, a.client_id, SUM({days}) AS days
                FROM {table} a
                WHERE {in_window}
                  AND a.client_id IN (
                      SELECT b.client_id FROM {table} b
                      WHERE b.manager_id IN ({asked})
                        AND b.start <= %s AND (b.{end_column} IS NULL OR b.{end_column} >= %s)
                  )
                GROUP BY a.manager_id, a.client_id
            ) per_assignment
        ) shares
        WHERE days > 0 AND manager_id IN ({asked})
    """
    params = [
        *(start,),  # is_new: no assignment before the period
        *(end, end, first, first),  # the clamped last day, then the clamped first day
        *(end,),  # the same-day correction inside the window
        *(end, first),  # in the window
        *manager_ids,
        *(end, first),  # the asked managers' clients in the window
        *manager_ids,
    ]
    return sql, params
