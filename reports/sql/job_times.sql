-- job_times: how long jobs waited for a node and how long they ran, per cluster, for the jobs
-- that started or ended in day $day. A job (ResourceId, JobId) is followed through
-- AmlComputeJobEvent in [$day − 7, $day + 1), so a job submitted days before it started is
-- counted: submitted is its first JobSubmitted, started its first JobRunning, ended its first
-- JobSucceeded or JobFailed (EventType in any case), and its cluster the first ClusterName it
-- names (ordered by TimeGenerated, _SourceBlob, _SourceOffset). Queue seconds = started −
-- submitted, run seconds = ended − started, each only where the earlier time is known and not
-- after the later one; p50/p95 interpolate linearly, empty when no job has the figure.
WITH events AS (
    SELECT upper(ResourceId) AS resource_id, Resource, JobId, ClusterName, lower(EventType) AS event,
           TimeGenerated, _SourceBlob, _SourceOffset
    FROM AmlComputeJobEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND JobId IS NOT NULL
),
jobs AS (
    SELECT resource_id, JobId, min(Resource) AS workspace,
           arg_min(ClusterName, (TimeGenerated, _SourceBlob, _SourceOffset)) FILTER (WHERE ClusterName IS NOT NULL) AS cluster,
           min(TimeGenerated) FILTER (WHERE event = 'jobsubmitted') AS submitted,
           min(TimeGenerated) FILTER (WHERE event = 'jobrunning') AS started,
           min(TimeGenerated) FILTER (WHERE event IN ('jobsucceeded', 'jobfailed')) AS ended
    FROM events
    GROUP BY resource_id, JobId
),
timed AS (
    SELECT resource_id, workspace, cluster,
           started >= CAST($day AS TIMESTAMP) AND started < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY AS started_today,
           ended >= CAST($day AS TIMESTAMP) AND ended < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY AS ended_today,
           CASE WHEN submitted <= started THEN (epoch_us(started) - epoch_us(submitted)) / 1e6 END AS queue_seconds,
           CASE WHEN started <= ended THEN (epoch_us(ended) - epoch_us(started)) / 1e6 END AS run_seconds
    FROM jobs
)
SELECT resource_id, min(workspace) AS workspace, cluster,
       CAST(count(*) FILTER (WHERE started_today) AS BIGINT) AS jobs_started,
       round(quantile_cont(queue_seconds, 0.5) FILTER (WHERE started_today), 1) AS queue_seconds_p50,
       round(quantile_cont(queue_seconds, 0.95) FILTER (WHERE started_today), 1) AS queue_seconds_p95,
       CAST(count(*) FILTER (WHERE ended_today) AS BIGINT) AS jobs_ended,
       round(quantile_cont(run_seconds, 0.5) FILTER (WHERE ended_today), 1) AS run_seconds_p50,
       round(quantile_cont(run_seconds, 0.95) FILTER (WHERE ended_today), 1) AS run_seconds_p95
FROM timed
WHERE started_today OR ended_today
GROUP BY resource_id, cluster
ORDER BY resource_id, cluster
