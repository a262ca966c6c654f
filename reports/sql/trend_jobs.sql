-- trend_jobs: for each of the seven days ending with day $day that the lake has job events
-- for, the jobs submitted, succeeded and failed (distinct JobId, EventType in any case). trend
-- reads it; the report computes it beside node_days, so that neither waits for the other.
SELECT date AS day,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobsubmitted') AS BIGINT) AS jobs_submitted,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobsucceeded') AS BIGINT) AS jobs_succeeded,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobfailed') AS BIGINT) AS jobs_failed
FROM AmlComputeJobEvent
WHERE date BETWEEN CAST($day AS DATE) - 6 AND CAST($day AS DATE)
GROUP BY date
