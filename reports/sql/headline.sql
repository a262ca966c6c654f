-- headline: how many distinct jobs were submitted, succeeded and failed in day $day, over all
-- workspaces and clusters: the day's row of trend_jobs (the report reads its table), zeros
-- when the day has no job events.
SELECT CAST(coalesce(max(jobs_submitted), 0) AS BIGINT) AS jobs_submitted,
       CAST(coalesce(max(jobs_succeeded), 0) AS BIGINT) AS jobs_succeeded,
       CAST(coalesce(max(jobs_failed), 0) AS BIGINT) AS jobs_failed
FROM (
/*trend_jobs*/
)
WHERE day = CAST($day AS DATE)
