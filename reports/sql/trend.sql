-- trend: for each of the seven days ending with day $day that the lake has job events or node
-- counts for, the jobs submitted, succeeded and failed, and the node-hours and idle node-hours
-- of all clusters (node_days: node_steps integrated over the day, with the events of
-- $day − 7 … $day; idle_share divides the idle node-hours by the node-hours of the clusters
-- that report idle nodes, empty when none does).
WITH jobs AS (
/*trend_jobs*/
),
-- Per cluster and day, shared with cluster_usage (node_days.sql).
cluster_days AS (
/*node_days*/
),
usage AS (
    SELECT day,
           sum(node_hours) AS node_hours,
           sum(idle_node_hours) AS idle_node_hours,
           sum(node_hours) FILTER (WHERE idle_node_hours IS NOT NULL) AS reporting_node_hours
    FROM cluster_days
    WHERE node_hours IS NOT NULL
    GROUP BY day
)
SELECT coalesce(j.day, u.day) AS day,
       coalesce(j.jobs_submitted, 0) AS jobs_submitted,
       coalesce(j.jobs_succeeded, 0) AS jobs_succeeded,
       coalesce(j.jobs_failed, 0) AS jobs_failed,
       round(u.node_hours, 2) AS node_hours,
       round(u.idle_node_hours, 2) AS idle_node_hours,
       CASE WHEN u.reporting_node_hours > 0 THEN round(u.idle_node_hours / u.reporting_node_hours, 4) END AS idle_share
FROM jobs j
FULL OUTER JOIN usage u ON u.day = j.day
ORDER BY day
