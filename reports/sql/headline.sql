-- headline: how many distinct jobs were submitted, succeeded and failed in day $day, over all
-- workspaces and clusters.
SELECT CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobsubmitted') AS BIGINT) AS jobs_submitted,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobsucceeded') AS BIGINT) AS jobs_succeeded,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobfailed') AS BIGINT) AS jobs_failed
FROM AmlComputeJobEvent
WHERE date = CAST($day AS DATE)
  AND TimeGenerated >= CAST($day AS TIMESTAMP)
  AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
