-- alerts: in which windows of day $day one alert rule fired for a workspace: the rule's metric
-- (matched case-insensitively) aggregated over the window, compared with its threshold.
-- Average is weighted by the rows' counts, as Azure Monitor computes it: sum(total)/sum(count).
WITH rows AS (
    SELECT upper(ResourceId) AS resource_id, Resource,
           time_bucket(to_microseconds(CAST($window_us AS BIGINT)), TimeGenerated, CAST($day AS TIMESTAMP)) AS window_start,
           Total, Count, Minimum, Maximum
    FROM AzureMetrics
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND lower(MetricName) = lower(CAST($metric AS VARCHAR))
),
windows AS (
    SELECT resource_id, min(Resource) AS workspace, window_start,
           CASE CAST($aggregation AS VARCHAR)
               WHEN 'Total' THEN sum(Total)
               WHEN 'Average' THEN sum(Total) / NULLIF(sum(Count), 0)
               WHEN 'Maximum' THEN max(Maximum)
               WHEN 'Minimum' THEN min(Minimum)
               WHEN 'Count' THEN sum(Count)
           END AS value
    FROM rows
    GROUP BY resource_id, window_start
)
SELECT CAST($rule AS VARCHAR) AS rule,
       resource_id,
       workspace,
       window_start,
       CAST($aggregation AS VARCHAR) AS aggregation,
       CAST($operator AS VARCHAR) AS operator,
       CAST($threshold AS DOUBLE) AS threshold,
       round(value, 4) AS value
FROM windows
WHERE CASE CAST($operator AS VARCHAR)
          WHEN 'GreaterThan' THEN value > CAST($threshold AS DOUBLE)
          WHEN 'GreaterThanOrEqual' THEN value >= CAST($threshold AS DOUBLE)
          WHEN 'LessThan' THEN value < CAST($threshold AS DOUBLE)
          WHEN 'LessThanOrEqual' THEN value <= CAST($threshold AS DOUBLE)
      END
ORDER BY resource_id, window_start
