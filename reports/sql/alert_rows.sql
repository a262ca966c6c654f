-- alert_rows: the AzureMetrics rows that the alert rules of the report of day $day can read:
-- those of the rules' metrics ($metrics, a JSON list of names, matched case-insensitively) in
-- [$day − 1 day, $day + 1 day), as a rule's window is at most a day. The report reads them
-- once into a table for all its rules (alerts.sql).
SELECT ResourceId, Resource, MetricName, TimeGenerated, Total, Count, Minimum, Maximum, date
FROM AzureMetrics
WHERE date BETWEEN CAST($day AS DATE) - 1 AND CAST($day AS DATE)
  AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 1 DAY
  AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
  AND lower(MetricName) IN (SELECT lower(unnest(from_json(CAST($metrics AS JSON), '["VARCHAR"]'))))
