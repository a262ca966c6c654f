-- alerts: the incidents that one metric alert rule opened in day $day, per resource, evaluated
-- the way an Azure Monitor metric alert rule evaluates (docs/reports.md, alerts.csv).
--
-- Evaluation k (1 … $evaluations) runs at t = $day 00:00 + k·F and aggregates the resource's
-- rows of the metric (matched case-insensitively) with TimeGenerated in [t − W, t). Every
-- window W that Azure accepts is a whole number ($span) of every frequency F not longer than
-- it, so the rows are first summed into F-long slots (slot s holds [$day + s·F, $day + (s+1)·F))
-- and evaluation k aggregates slots k − $span … k − 1: a frame sliding over a dense grid of
-- slots, so that an evaluation whose latest slot is empty still sees the rows before it.
-- Average is weighted by the rows' counts, as Azure Monitor computes it: sum(Total)/sum(Count).
-- A window without rows, or whose value is NULL, is not met.
--
-- The rule is stateful: a met evaluation opens an incident, which resolves at the third
-- consecutive unmet evaluation; a met evaluation in between resets the count. Evaluations are
-- evenly spaced, so an incident is a run of met evaluations each at most 3 after the one
-- before (up to two unmet evaluations between them), and it resolves 3 evaluations after its
-- last met one, or is still open when that lies past the day's last evaluation.
--
-- Only the metric's rows in [$day − W, $day + 1 day) are read (W is at most a day), from the
-- rows of the rules' metrics that alert_rows reads once for all rules.
WITH metric_rows AS (
    SELECT upper(ResourceId) AS resource_id, Resource,
           CAST(floor((epoch_us(TimeGenerated) - epoch_us(CAST($day AS TIMESTAMP)))
                      / CAST($frequency_us AS DOUBLE)) AS BIGINT) AS slot,
           Total, Count, Minimum, Maximum
    FROM (
/*alert_rows*/
    )
    WHERE date BETWEEN CAST($day AS DATE) - 1 AND CAST($day AS DATE)
      AND date >= CAST(CAST($day AS TIMESTAMP) - to_microseconds(CAST($window_us AS BIGINT)) AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - to_microseconds(CAST($window_us AS BIGINT))
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND lower(MetricName) = lower(CAST($metric AS VARCHAR))
),
resources AS (
    -- Numbered, so that the steps below group and sort by a number rather than by resource
    -- IDs that differ only in their last characters.
    SELECT resource_id, min(Resource) AS workspace, row_number() OVER (ORDER BY resource_id) AS rn
    FROM metric_rows
    GROUP BY resource_id
),
slots AS (
    SELECT r.rn, m.slot,
           sum(m.Total) AS total, sum(m.Count) AS count, max(m.Maximum) AS maximum, min(m.Minimum) AS minimum
    FROM metric_rows m
    JOIN resources r ON r.resource_id = m.resource_id
    GROUP BY r.rn, m.slot
),
grid AS (
    SELECT r.rn, g.range AS slot
    FROM resources r
    CROSS JOIN range(-CAST($span AS BIGINT), CAST($evaluations AS BIGINT)) g
),
-- The window aggregate of the rule's aggregation replaces the marker (windowValue in
-- daily.go): sum(s.total), sum(s.total)/sum(s.count), max(s.maximum), min(s.minimum) or
-- sum(s.count) OVER w.
windows AS (
    SELECT g.rn, g.slot + 1 AS k, /*value*/ AS value
    FROM grid g
    LEFT JOIN slots s ON s.rn = g.rn AND s.slot = g.slot
    WINDOW w AS (PARTITION BY g.rn ORDER BY g.slot
                 ROWS BETWEEN CAST($span AS BIGINT) - 1 PRECEDING AND CURRENT ROW)
),
met AS (
    SELECT rn, k, value
    FROM windows
    WHERE k >= 1
      AND CASE CAST($operator AS VARCHAR)
              WHEN 'GreaterThan' THEN value > CAST($threshold AS DOUBLE)
              WHEN 'GreaterThanOrEqual' THEN value >= CAST($threshold AS DOUBLE)
              WHEN 'LessThan' THEN value < CAST($threshold AS DOUBLE)
              WHEN 'LessThanOrEqual' THEN value <= CAST($threshold AS DOUBLE)
          END
),
opens AS (
    SELECT rn, k, value,
           CASE WHEN k - lag(k) OVER (PARTITION BY rn ORDER BY k) <= 3 THEN 0 ELSE 1 END AS opens
    FROM met
),
numbered AS (
    SELECT rn, k, value,
           sum(opens) OVER (PARTITION BY rn ORDER BY k ROWS UNBOUNDED PRECEDING) AS incident
    FROM opens
),
incidents AS (
    SELECT rn, incident,
           min(k) AS first_k, max(k) AS last_k, count(*) AS evaluations,
           CASE WHEN CAST($operator AS VARCHAR) IN ('LessThan', 'LessThanOrEqual')
                THEN min(value) ELSE max(value) END AS peak
    FROM numbered
    GROUP BY rn, incident
)
SELECT CAST($rule AS VARCHAR) AS rule,
       r.resource_id,
       r.workspace,
       CAST($metric AS VARCHAR) AS metric,
       CAST($aggregation AS VARCHAR) AS aggregation,
       CAST($operator AS VARCHAR) AS operator,
       CAST($threshold AS DOUBLE) AS threshold,
       CAST($window AS VARCHAR) AS "window",
       CAST($frequency AS VARCHAR) AS frequency,
       CAST($day AS TIMESTAMP) + to_microseconds(i.first_k * CAST($frequency_us AS BIGINT)) AS fired_at,
       CASE WHEN i.last_k + 3 <= CAST($evaluations AS BIGINT)
            THEN CAST($day AS TIMESTAMP) + to_microseconds((i.last_k + 3) * CAST($frequency_us AS BIGINT))
       END AS resolved_at,
       CAST(i.evaluations AS BIGINT) AS evaluations,
       round(i.peak, 4) AS peak_value
FROM incidents i
JOIN resources r ON r.rn = i.rn
ORDER BY r.resource_id, fired_at
