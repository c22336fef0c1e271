-- The benchmark's floor of cycle close: one hand-written PostgreSQL statement that computes what the service
-- computes, so the service's time can be stated as a multiple of the least the database needs. Its parameters are
-- psycopg2 named placeholders; bench/floors.py finds it by its "-- name:" line.

-- name: cycle_totals
-- Every appraisal's total and band as appraisals.services.cycles.cycle_close computes them, from the raw data
-- (business records, assignments, interactions, feedback, targets, ratings, spot-checks), with the same rounding:
-- measured values to 4 places half-even (Python's Decimal.quantize), indicator scores and contributions to 2 places
-- half-up, total = Σ contributions + spot-check effect clamped to 0–100. Parameter: cycle_id.
-- Missing data under the default policy (every gap left out, its weight shared): a measured value with no data (no
-- clients, no earlier volume, no target, no survey answer; a manager hired after the period started, for the counts
-- over the period) and a rated indicator nobody rated have no score; the weights are shared among the scored
-- indicators of a dimension and the scored dimensions. (A supervisor change, read from the managers' history, is not
-- reproduced: the generated company has no history of changes.)
WITH cyc AS (
    SELECT c.id, c.period_start AS ps, c.period_end AS pe, c.template_id,
           -- measures.previous_period: the same number of whole months before, else the same number of days
           CASE WHEN extract(day FROM c.period_start) = 1 AND extract(day FROM c.period_end + 1) = 1
                THEN (c.period_start - make_interval(months => (
                        (extract(year FROM c.period_end) * 12 + extract(month FROM c.period_end))
                      - (extract(year FROM c.period_start) * 12 + extract(month FROM c.period_start)) + 1)::int))::date
                ELSE (c.period_start - 1) - (c.period_end - c.period_start)
           END AS pps,
           c.period_start - 1 AS ppe,
           t.weight_performance AS wp, t.weight_behaviour AS wb, t.weight_ability AS wa,
           t.weight_self AS ws, t.weight_client AS wc, t.weight_head AS wh, t.weight_peer AS wq
    FROM appraisals_appraisalcycle c JOIN appraisals_template t ON t.id = c.template_id
    WHERE c.id = %(cycle_id)s
),
apr AS (
    SELECT a.id AS appraisal_id, a.manager_id, m.hire_date > cyc.ps AS joined
    FROM appraisals_appraisal a JOIN cyc ON a.cycle_id = cyc.id JOIN managers_accountmanager m ON m.id = a.manager_id
),
new_clients AS (
    SELECT a.manager_id, count(DISTINCT a.client_id) AS n
    FROM clients_assignment a JOIN cyc ON a.start BETWEEN cyc.ps AND cyc.pe
    WHERE a.manager_id IN (SELECT manager_id FROM apr)
      AND NOT EXISTS (SELECT 1 FROM clients_assignment e WHERE e.client_id = a.client_id AND e.start < a.start)
    GROUP BY a.manager_id
),
book_rows AS (
    SELECT s.manager_id, b.client_id,
           sum(b.volume) FILTER (WHERE b.month BETWEEN cyc.ps AND cyc.pe) AS vnow,
           sum(b.volume) FILTER (WHERE b.month BETWEEN cyc.pps AND cyc.ppe) AS vbefore,
           max(b.products_used) FILTER (WHERE b.month BETWEEN cyc.ps AND cyc.pe) AS pnow,
           max(b.products_used) FILTER (WHERE b.month BETWEEN cyc.pps AND cyc.ppe) AS pbefore
    FROM cyc
    JOIN clients_assignment s ON s.start <= cyc.pe AND (s."end" IS NULL OR s."end" >= cyc.pe)
    JOIN clients_businessrecord b ON b.client_id = s.client_id AND b.month BETWEEN cyc.pps AND cyc.pe
    WHERE s.manager_id IN (SELECT manager_id FROM apr)
    GROUP BY s.manager_id, b.client_id
),
book AS (
    SELECT manager_id,
           coalesce(sum(vnow), 0) AS vnow,
           coalesce(sum(vbefore), 0) AS vbefore,
           coalesce(sum(pnow - coalesce(pbefore, 0)) FILTER (WHERE pnow IS NOT NULL), 0) AS scope
    FROM book_rows GROUP BY manager_id
),
targets AS (
    SELECT t.manager_id, sum(t.business_volume) AS total
    FROM managers_target t JOIN cyc ON t.period_start >= cyc.ps AND t.period_end <= cyc.pe
    WHERE t.manager_id IN (SELECT manager_id FROM apr)
    GROUP BY t.manager_id
),
contacts AS (
    SELECT i.manager_id, count(*) AS n
    FROM clients_interaction i JOIN cyc ON i.date BETWEEN cyc.ps AND cyc.pe
    WHERE i.manager_id IN (SELECT manager_id FROM apr)
    GROUP BY i.manager_id
),
feedback AS (
    SELECT f.manager_id, avg(f.satisfaction) AS average, count(*) FILTER (WHERE f.complaint <> '') AS complaints
    FROM clients_feedback f JOIN cyc ON f.date BETWEEN cyc.ps AND cyc.pe
    WHERE f.manager_id IN (SELECT manager_id FROM apr)
    GROUP BY f.manager_id
),
raw_values AS (
    SELECT apr.appraisal_id, i.id AS indicator_id, i.dimension, i.weight, i.target, i.rule,
           CASE i.metric
               WHEN 'volume_growth' THEN bk.manager_id IS NULL OR coalesce(bk.vbefore, 0) <= 0
               WHEN 'scope_growth' THEN bk.manager_id IS NULL
               WHEN 'target_completion' THEN coalesce(tg.total, 0) = 0 OR bk.manager_id IS NULL
               WHEN 'avg_satisfaction' THEN fb.average IS NULL
               -- a count of work for clients is no data, not a zero, for a manager without clients
               WHEN 'new_clients' THEN coalesce(nc.n, 0) = 0 AND bk.manager_id IS NULL
               WHEN 'interactions' THEN coalesce(ct.n, 0) = 0 AND bk.manager_id IS NULL
               WHEN 'complaints' THEN coalesce(fb.complaints, 0) = 0 AND bk.manager_id IS NULL
               ELSE false
           END OR (apr.joined AND i.metric <> 'avg_satisfaction') AS gap,
           CASE i.metric
               WHEN 'new_clients' THEN coalesce(nc.n, 0)::numeric
               WHEN 'volume_growth' THEN CASE WHEN coalesce(bk.vbefore, 0) > 0
                                              THEN (bk.vnow - bk.vbefore) / bk.vbefore * 100
                                              WHEN coalesce(bk.vnow, 0) > 0 THEN 100 ELSE 0 END
               WHEN 'scope_growth' THEN coalesce(bk.scope, 0)::numeric
               WHEN 'target_completion' THEN CASE WHEN coalesce(tg.total, 0) <> 0
                                                  THEN coalesce(bk.vnow, 0) / tg.total * 100 ELSE 100 END
               WHEN 'interactions' THEN coalesce(ct.n, 0)::numeric
               WHEN 'avg_satisfaction' THEN coalesce(fb.average, 0)
               WHEN 'complaints' THEN coalesce(fb.complaints, 0)::numeric
           END AS x
    FROM apr
    CROSS JOIN cyc
    JOIN appraisals_indicator i ON i.template_id = cyc.template_id AND i.kind = 'measured'
    LEFT JOIN new_clients nc ON nc.manager_id = apr.manager_id
    LEFT JOIN book bk ON bk.manager_id = apr.manager_id
    LEFT JOIN targets tg ON tg.manager_id = apr.manager_id
    LEFT JOIN contacts ct ON ct.manager_id = apr.manager_id
    LEFT JOIN feedback fb ON fb.manager_id = apr.manager_id
),
measured AS (
    -- the stored MeasuredValue: 4 places, half-even (a tie goes to the even neighbour)
    SELECT appraisal_id, indicator_id, dimension, weight, target, rule, gap,
           CASE WHEN x * 10000 = floor(x * 10000) + 0.5
                THEN (floor(x * 10000) + abs(mod(floor(x * 10000), 2))) / 10000
                ELSE round(x, 4) END AS value
    FROM raw_values
),
measured_scores AS (
    SELECT appraisal_id, indicator_id, dimension, weight,
           round(CASE WHEN gap THEN NULL
                      WHEN rule = 'penalty' THEN greatest(0, 100 - value * target)
                      WHEN target <= 0 THEN 0
                      ELSE least(100, greatest(0, value * 100 / target)) END, 2) AS score
    FROM measured
),
given AS (
    -- the average value each rater type gave each indicator of each appraisal (counting ratings only)
    SELECT r.appraisal_id, r.rater_type, s.indicator_id, avg(s.value) AS average
    FROM apr
    JOIN appraisals_rating r ON r.appraisal_id = apr.appraisal_id
    JOIN appraisals_ratingscore s ON s.rating_id = r.id
    WHERE r.submitted_at IS NOT NULL AND NOT r.excluded
    GROUP BY r.appraisal_id, r.rater_type, s.indicator_id
),
rated_parts AS (
    SELECT apr.appraisal_id, i.id AS indicator_id, i.dimension, i.weight, g.average,
           CASE g.rater_type WHEN 'self' THEN cyc.ws WHEN 'client' THEN cyc.wc
                             WHEN 'head' THEN cyc.wh WHEN 'peer' THEN cyc.wq END AS w
    FROM apr
    CROSS JOIN cyc
    JOIN appraisals_indicator i ON i.template_id = cyc.template_id AND i.kind = 'rated'
    LEFT JOIN given g ON g.appraisal_id = apr.appraisal_id AND g.indicator_id = i.id
         AND ((g.rater_type = 'self' AND i.rated_by_self) OR (g.rater_type = 'client' AND i.rated_by_client)
              OR (g.rater_type = 'head' AND i.rated_by_head) OR (g.rater_type = 'peer' AND i.rated_by_peer))
),
rated_scores AS (
    -- the weights of the rater types that did rate, renormalised to 100 (equal shares if they all weigh 0)
    SELECT appraisal_id, indicator_id, dimension, weight,
           round(CASE WHEN count(average) = 0 THEN NULL
                      WHEN sum(w) FILTER (WHERE average IS NOT NULL) = 0 THEN avg(average * 20)
                      ELSE sum(w * average * 20) / sum(w) FILTER (WHERE average IS NOT NULL) END, 2) AS score
    FROM rated_parts
    GROUP BY appraisal_id, indicator_id, dimension, weight
),
scores AS (
    SELECT s.*, CASE s.dimension WHEN 'performance' THEN cyc.wp WHEN 'behaviour' THEN cyc.wb ELSE cyc.wa END AS dw,
           sum(s.weight) FILTER (WHERE s.score IS NOT NULL) OVER (PARTITION BY s.appraisal_id, s.dimension) AS wsum
    FROM (SELECT * FROM measured_scores UNION ALL SELECT * FROM rated_scores) s CROSS JOIN cyc
),
shared AS (
    -- Σ weights of the dimensions with a score (each dimension counted once)
    SELECT appraisal_id, sum(dw) AS total_w
    FROM (SELECT DISTINCT appraisal_id, dimension, dw FROM scores WHERE wsum > 0) d
    GROUP BY appraisal_id
),
contributions AS (
    SELECT s.appraisal_id, round(s.score * s.weight * s.dw / (s.wsum * sh.total_w), 2) AS contribution
    FROM scores s JOIN shared sh ON sh.appraisal_id = s.appraisal_id
    WHERE s.score IS NOT NULL AND s.wsum > 0 AND sh.total_w > 0
),
spot_checks AS (
    SELECT apr.appraisal_id, round(sum(k.score_effect), 2) AS effect
    FROM apr
    JOIN appraisals_spotcheck k ON k.manager_id = apr.manager_id
    CROSS JOIN cyc
    WHERE k.applied_to_id IS NULL AND k.checked_on IS NOT NULL AND k.checked_on <= cyc.pe
    GROUP BY apr.appraisal_id
),
totals AS (
    -- nothing scored at all: no total, no band (held as incomplete)
    SELECT apr.appraisal_id, apr.manager_id,
           CASE WHEN count(c.contribution) = 0 THEN NULL
                ELSE least(100, greatest(0, sum(c.contribution) + coalesce(max(sc.effect), 0))) END AS total
    FROM apr
    LEFT JOIN contributions c ON c.appraisal_id = apr.appraisal_id
    LEFT JOIN spot_checks sc ON sc.appraisal_id = apr.appraisal_id
    GROUP BY apr.appraisal_id, apr.manager_id
)
SELECT appraisal_id, manager_id, round(total, 2) AS total,
       CASE WHEN total IS NULL THEN '' WHEN total >= 90 THEN 'excellent' WHEN total >= 80 THEN 'good'
            WHEN total >= 60 THEN 'pass' ELSE 'fail' END AS band
FROM totals
ORDER BY appraisal_id;
