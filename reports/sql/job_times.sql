-- job_times: how long jobs waited for a node and how long they ran, per cluster, for the jobs
-- that started or ended in day $day. A job (ResourceId, JobId) is followed through
-- AmlComputeJobEvent in [$day − 7, $day + 1), so a job submitted days before it started is
-- counted: submitted is its first JobSubmitted, started its first JobRunning, ended its first
-- JobSucceeded or JobFailed (EventType in any case), and its cluster the first ClusterName it
-- names (ordered by TimeGenerated, _SourceBlob, _SourceOffset). Queue seconds = started −
-- submitted, run seconds = ended − started, each only where the earlier time is known and not
-- after the later one; p50/p95 interpolate linearly, empty when no job has the figure.
--
-- Only the jobs that started or ended in the day are followed, and the long blob names are
-- read only for a job whose first events naming a cluster share an instant and disagree.

-- The jobs that started or ended in the day, from its partition alone.
WITH today AS (
    SELECT DISTINCT hash(ResourceId, JobId) AS job_key
    FROM AmlComputeJobEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND JobId IS NOT NULL
      AND lower(EventType) IN ('jobrunning', 'jobsucceeded', 'jobfailed')
),
events AS (
    -- job_key stands for (ResourceId, JobId) where jobs are matched and grouped: comparing a
    -- number is much cheaper than comparing two long strings.
    SELECT hash(ResourceId, JobId) AS job_key, ResourceId, Resource, JobId, ClusterName,
           lower(EventType) AS event, TimeGenerated
    FROM AmlComputeJobEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND JobId IS NOT NULL
),
-- first_name and last_name are the least and the greatest ClusterName among the job's first
-- events that name one: they differ when those events, at one instant, disagree.
jobs AS (
    SELECT e.job_key, any_value(e.ResourceId) AS ResourceId, any_value(e.JobId) AS JobId,
           min(e.Resource) AS workspace,
           arg_min(e.ClusterName, e.TimeGenerated) FILTER (WHERE e.ClusterName IS NOT NULL) AS cluster,
           arg_min(e.ClusterName, (e.TimeGenerated, e.ClusterName)) FILTER (WHERE e.ClusterName IS NOT NULL) AS first_name,
           arg_max(e.ClusterName, (-epoch_us(e.TimeGenerated), e.ClusterName)) FILTER (WHERE e.ClusterName IS NOT NULL) AS last_name,
           min(e.TimeGenerated) FILTER (WHERE e.event = 'jobsubmitted') AS submitted,
           min(e.TimeGenerated) FILTER (WHERE e.event = 'jobrunning') AS started,
           min(e.TimeGenerated) FILTER (WHERE e.event IN ('jobsucceeded', 'jobfailed')) AS ended
    FROM events e
    SEMI JOIN today t ON t.job_key = e.job_key
    GROUP BY e.job_key
),
-- Jobs whose first events naming a cluster, at one instant, name different ones: the first
-- by blob and offset names it.
disputed AS (
    SELECT ResourceId, JobId
    FROM jobs
    WHERE first_name <> last_name
),
settled AS (
    SELECT e.ResourceId, e.JobId, arg_min(e.ClusterName, (e.TimeGenerated, e._SourceBlob, e._SourceOffset)) AS cluster
    FROM (
        SELECT ResourceId, JobId, ClusterName, TimeGenerated, _SourceBlob, _SourceOffset
        FROM AmlComputeJobEvent
        WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
          AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
          AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
          AND ClusterName IS NOT NULL
    ) e
    SEMI JOIN disputed d ON d.ResourceId = e.ResourceId AND d.JobId = e.JobId
    GROUP BY e.ResourceId, e.JobId
),
timed AS (
    SELECT upper(j.ResourceId) AS resource_id, j.workspace, coalesce(s.cluster, j.cluster) AS cluster,
           j.started >= CAST($day AS TIMESTAMP) AND j.started < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY AS started_today,
           j.ended >= CAST($day AS TIMESTAMP) AND j.ended < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY AS ended_today,
           CASE WHEN j.submitted <= j.started THEN (epoch_us(j.started) - epoch_us(j.submitted)) / 1e6 END AS queue_seconds,
           CASE WHEN j.started <= j.ended THEN (epoch_us(j.ended) - epoch_us(j.started)) / 1e6 END AS run_seconds
    FROM jobs j
    LEFT JOIN settled s ON s.ResourceId = j.ResourceId AND s.JobId = j.JobId
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
