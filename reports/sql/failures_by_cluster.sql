-- failures_by_cluster: per workspace and cluster, how many distinct jobs were submitted,
-- succeeded and failed in day $day, and which share of the finished ones failed.
WITH events AS (
    SELECT upper(ResourceId) AS resource_id, Resource, ClusterName, JobId, lower(EventType) AS event
    FROM AmlComputeJobEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
),
counts AS (
    SELECT resource_id,
           min(Resource) AS workspace,
           ClusterName AS cluster,
           count(DISTINCT JobId) FILTER (WHERE event = 'jobsubmitted') AS jobs_submitted,
           count(DISTINCT JobId) FILTER (WHERE event = 'jobsucceeded') AS jobs_succeeded,
           count(DISTINCT JobId) FILTER (WHERE event = 'jobfailed') AS jobs_failed
    FROM events
    GROUP BY resource_id, ClusterName
)
SELECT resource_id, workspace, cluster,
       CAST(jobs_submitted AS BIGINT) AS jobs_submitted,
       CAST(jobs_succeeded AS BIGINT) AS jobs_succeeded,
       CAST(jobs_failed AS BIGINT) AS jobs_failed,
       round(jobs_failed / CAST(NULLIF(jobs_succeeded + jobs_failed, 0) AS DOUBLE), 4) AS failure_rate
FROM counts
WHERE jobs_submitted > 0 OR jobs_succeeded > 0 OR jobs_failed > 0
ORDER BY jobs_failed DESC, resource_id, cluster
