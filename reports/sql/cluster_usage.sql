-- cluster_usage: where the compute money went in day $day. Per cluster (ResourceId,
-- ClusterName) with a node count in [$day − 7, $day + 1): the node-hours and idle node-hours of
-- the day, integrated over the step functions of node_steps; the VM size and priority of the
-- cluster's latest event that names them; the hourly price of that VM from $prices (the price
-- file as a JSON list of {vm_size, vm_priority, hourly_price}, matched case-insensitively) and
-- the cost. idle_node_hours is empty for a cluster that reported no IdleNodeCount in the week:
-- nothing says how many of its nodes were idle.
WITH steps AS (
/*node_steps*/
),
day_hours AS (
    SELECT resource_id, ClusterName, kind,
           -- µs of [start, stop) inside [$day, $day + 1), times the count, in hours.
           sum(value * greatest(0,
                   epoch_us(least(stop, CAST($day AS TIMESTAMP) + INTERVAL 1 DAY))
                 - epoch_us(greatest(start, CAST($day AS TIMESTAMP))))) / 3600e6 AS hours
    FROM steps
    GROUP BY resource_id, ClusterName, kind
),
clusters AS (
    SELECT resource_id, ClusterName, min(workspace) AS workspace
    FROM steps
    WHERE kind = 'nodes'
    GROUP BY resource_id, ClusterName
),
vms AS (
    SELECT upper(ResourceId) AS resource_id, ClusterName,
           arg_max(VmSize, (TimeGenerated, _SourceBlob, _SourceOffset)) FILTER (WHERE VmSize IS NOT NULL) AS vm_size,
           arg_max(VmPriority, (TimeGenerated, _SourceBlob, _SourceOffset)) FILTER (WHERE VmPriority IS NOT NULL) AS vm_priority
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND (VmSize IS NOT NULL OR VmPriority IS NOT NULL)
    GROUP BY upper(ResourceId), ClusterName
),
prices AS (
    SELECT lower(p.vm_size) AS vm_size, lower(p.vm_priority) AS vm_priority, p.hourly_price
    FROM (SELECT unnest(from_json(CAST($prices AS JSON),
                 '[{"vm_size": "VARCHAR", "vm_priority": "VARCHAR", "hourly_price": "DOUBLE"}]')) AS p)
),
usage AS (
    SELECT c.resource_id, c.workspace, c.ClusterName, v.vm_size, v.vm_priority,
           coalesce(n.hours, 0) AS node_hours, i.hours AS idle_node_hours, p.hourly_price
    FROM clusters c
    LEFT JOIN day_hours n
      ON n.resource_id = c.resource_id AND n.ClusterName IS NOT DISTINCT FROM c.ClusterName AND n.kind = 'nodes'
    LEFT JOIN day_hours i
      ON i.resource_id = c.resource_id AND i.ClusterName IS NOT DISTINCT FROM c.ClusterName AND i.kind = 'idle'
    LEFT JOIN vms v
      ON v.resource_id = c.resource_id AND v.ClusterName IS NOT DISTINCT FROM c.ClusterName
    LEFT JOIN prices p
      ON p.vm_size = lower(v.vm_size) AND p.vm_priority = lower(v.vm_priority)
)
SELECT resource_id, workspace, ClusterName AS cluster, vm_size, vm_priority,
       round(node_hours, 2) AS node_hours,
       round(idle_node_hours, 2) AS idle_node_hours,
       CASE WHEN node_hours > 0 THEN round(idle_node_hours / node_hours, 4) END AS idle_share,
       hourly_price,
       round(node_hours * hourly_price, 2) AS cost
FROM usage
ORDER BY round(node_hours, 2) DESC, resource_id, cluster
