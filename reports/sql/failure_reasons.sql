-- failure_reasons: which error texts made jobs fail in day $day, how many jobs each and in how
-- many workspaces. failed_jobs is the query of failed_jobs.sql.
WITH failed_jobs AS (
    /*failed_jobs*/
)
SELECT error,
       CAST(count(*) AS BIGINT) AS jobs,
       CAST(count(DISTINCT resource_id) AS BIGINT) AS workspaces
FROM failed_jobs
GROUP BY error
ORDER BY jobs DESC, error
