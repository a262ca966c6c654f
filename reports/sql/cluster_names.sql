-- cluster_names: the clusters with node-hours in day $day (node_days), keyed by cluster_key =
-- hash(ResourceId, ClusterName) as node_steps keys them: the resource ID in upper case, the
-- workspace (the least Resource of the cluster's events in $day, or in [$day − 7, $day) for a
-- cluster with none in $day), and the VM size and priority of its latest event in
-- [$day − 7, $day + 1) that names them (among the events at that instant, rarely more than
-- one, the last by blob and offset).
--
-- Most clusters log in $day, so that day is read first, and the days before only for the
-- clusters it leaves without a name, a size or a priority: when there are none, they are not
-- read at all.
WITH wanted AS (
    SELECT DISTINCT cluster_key
    FROM (
/*node_days*/
    )
    WHERE day = CAST($day AS DATE) AND node_hours IS NOT NULL
),
today AS MATERIALIZED (
    SELECT hash(ResourceId, ClusterName) AS cluster_key, any_value(ResourceId) AS ResourceId,
           any_value(ClusterName) AS ClusterName, min(Resource) AS workspace,
           max(TimeGenerated) FILTER (WHERE VmSize IS NOT NULL) AS size_time,
           max(TimeGenerated) FILTER (WHERE VmPriority IS NOT NULL) AS priority_time
    FROM AmlComputeClusterEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
    GROUP BY hash(ResourceId, ClusterName)
),
unnamed AS (
    SELECT w.cluster_key
    FROM wanted w
    LEFT JOIN today t ON t.cluster_key = w.cluster_key
    WHERE t.cluster_key IS NULL OR t.size_time IS NULL OR t.priority_time IS NULL
),
before AS (
    SELECT hash(ResourceId, ClusterName) AS cluster_key, any_value(ResourceId) AS ResourceId,
           any_value(ClusterName) AS ClusterName, min(Resource) AS workspace,
           max(TimeGenerated) FILTER (WHERE VmSize IS NOT NULL) AS size_time,
           max(TimeGenerated) FILTER (WHERE VmPriority IS NOT NULL) AS priority_time
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE) - 1
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP)
      AND hash(ResourceId, ClusterName) IN (SELECT cluster_key FROM unnamed)
    GROUP BY hash(ResourceId, ClusterName)
),
named AS MATERIALIZED (
    SELECT w.cluster_key,
           upper(coalesce(t.ResourceId, b.ResourceId)) AS resource_id,
           coalesce(t.ClusterName, b.ClusterName) AS ClusterName,
           coalesce(t.workspace, b.workspace) AS workspace,
           coalesce(t.size_time, b.size_time) AS size_time,
           coalesce(t.priority_time, b.priority_time) AS priority_time
    FROM wanted w
    LEFT JOIN today t ON t.cluster_key = w.cluster_key
    LEFT JOIN before b ON b.cluster_key = w.cluster_key
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
)
SELECT n.cluster_key, n.resource_id, n.ClusterName, n.workspace, s.vm_size, p.vm_priority
FROM named n
LEFT JOIN sizes s ON s.cluster_key = n.cluster_key
LEFT JOIN priorities p ON p.cluster_key = n.cluster_key
