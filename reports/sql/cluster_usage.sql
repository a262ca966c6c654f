-- cluster_usage: where the compute money went in day $day. Per cluster (ResourceId,
-- ClusterName) with a node count in [$day − 7, $day + 1): the node-hours and idle node-hours of
-- the day, integrated over the step functions of node_steps (node_days, which the report
-- computes once for trend and this query); the VM size and priority of the cluster's latest
-- event that names them; the hourly price of that VM from $prices (the price file as a JSON
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
-- Every cluster of the week by name, with the time of its latest event that names a VM size
-- (priority); among the events at that instant (rarely more than one) the last by blob and
-- offset names it.
named AS (
    SELECT hash(ResourceId, ClusterName) AS cluster_key, upper(any_value(ResourceId)) AS resource_id,
           any_value(ClusterName) AS ClusterName, min(Resource) AS workspace,
           max(TimeGenerated) FILTER (WHERE VmSize IS NOT NULL) AS size_time,
           max(TimeGenerated) FILTER (WHERE VmPriority IS NOT NULL) AS priority_time
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
    GROUP BY hash(ResourceId, ClusterName)
),
latest AS (
    SELECT hash(ResourceId, ClusterName) AS cluster_key, TimeGenerated, _SourceBlob, _SourceOffset, VmSize, VmPriority
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND TimeGenerated >= (SELECT least(min(size_time), min(priority_time)) FROM named)
),
sizes AS (
    SELECT l.cluster_key, arg_max(l.VmSize, (l._SourceBlob, l._SourceOffset)) AS vm_size
    FROM latest l
    JOIN named n ON n.cluster_key = l.cluster_key AND n.size_time = l.TimeGenerated
    WHERE l.VmSize IS NOT NULL
    GROUP BY l.cluster_key
),
priorities AS (
    SELECT l.cluster_key, arg_max(l.VmPriority, (l._SourceBlob, l._SourceOffset)) AS vm_priority
    FROM latest l
    JOIN named n ON n.cluster_key = l.cluster_key AND n.priority_time = l.TimeGenerated
    WHERE l.VmPriority IS NOT NULL
    GROUP BY l.cluster_key
),
clusters AS (
    SELECT n.cluster_key, n.resource_id, n.ClusterName, n.workspace, s.vm_size, p.vm_priority
    FROM named n
    LEFT JOIN sizes s ON s.cluster_key = n.cluster_key
    LEFT JOIN priorities p ON p.cluster_key = n.cluster_key
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
