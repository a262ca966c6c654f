-- cluster_usage: where the compute money went in day $day. Per cluster (ResourceId,
-- ClusterName) with a node count in [$day − 7, $day + 1): the node-hours and idle node-hours of
-- the day, integrated over the step functions of node_steps (node_days, which the report
-- computes once for trend and this query); the VM size and priority of the cluster's latest
-- event that names them (cluster_names); the hourly price of that VM from $prices (the price file as a JSON
-- list of {vm_size, vm_priority, hourly_price}, matched case-insensitively) and the cost. idle_node_hours is empty for a cluster that reported no IdleNodeCount in the week:
-- nothing says how many of its nodes were idle.
WITH node_days AS (
/*node_days*/
),
-- The day's row of each cluster: node_steps integrated over [$day, $day + 1).
day_hours AS (
    SELECT cluster_key, node_hours, idle_node_hours
    FROM node_days
    WHERE day = CAST($day AS DATE)
),
-- Every cluster of the week by name, with its VM size and priority.
clusters AS (
/*cluster_names*/
),
prices AS (
    SELECT lower(p.vm_size) AS vm_size, lower(p.vm_priority) AS vm_priority, p.hourly_price
    FROM (SELECT unnest(from_json(CAST($prices AS JSON),
                 '[{"vm_size": "VARCHAR", "vm_priority": "VARCHAR", "hourly_price": "DOUBLE"}]')) AS p)
),
usage AS (
    SELECT c.resource_id, c.workspace, c.ClusterName, c.vm_size, c.vm_priority,
           h.node_hours, h.idle_node_hours, p.hourly_price
    FROM day_hours h
    JOIN clusters c ON c.cluster_key = h.cluster_key
    LEFT JOIN prices p ON p.vm_size = lower(c.vm_size) AND p.vm_priority = lower(c.vm_priority)
    WHERE h.node_hours IS NOT NULL
)
SELECT resource_id, workspace, ClusterName AS cluster, vm_size, vm_priority,
       round(node_hours, 2) AS node_hours,
       round(idle_node_hours, 2) AS idle_node_hours,
       CASE WHEN node_hours > 0 THEN round(idle_node_hours / node_hours, 4) END AS idle_share,
       hourly_price,
       round(node_hours * hourly_price, 2) AS cost
FROM usage
ORDER BY round(node_hours, 2) DESC, resource_id, cluster
