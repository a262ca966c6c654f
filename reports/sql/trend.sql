-- trend: jobs submitted, succeeded and failed on each of the seven days ending with day $day
-- that the lake has job events for.
SELECT date AS day,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobsubmitted') AS BIGINT) AS jobs_submitted,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobsucceeded') AS BIGINT) AS jobs_succeeded,
       CAST(count(DISTINCT JobId) FILTER (WHERE lower(EventType) = 'jobfailed') AS BIGINT) AS jobs_failed
FROM AmlComputeJobEvent
WHERE date BETWEEN CAST($day AS DATE) - 6 AND CAST($day AS DATE)
GROUP BY date
ORDER BY date
