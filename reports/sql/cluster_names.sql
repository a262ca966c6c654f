-- cluster_names: every cluster (ResourceId, ClusterName) with an AmlComputeClusterEvent in
-- [$day − 7, $day + 1), keyed by cluster_key = hash(ResourceId, ClusterName) as node_steps keys
-- it: its resource ID in upper case, its workspace (the least Resource), and the VM size and
-- priority of its latest event that names them (among the events at that instant, rarely more
-- than one, the last by blob and offset). cluster_usage names its rows with it; the report
-- computes it beside node_days, so that neither waits for the other. named is computed once for
-- the four steps that read it.
WITH named AS MATERIALIZED (
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
)
SELECT n.cluster_key, n.resource_id, n.ClusterName, n.workspace, s.vm_size, p.vm_priority
FROM named n
LEFT JOIN sizes s ON s.cluster_key = n.cluster_key
LEFT JOIN priorities p ON p.cluster_key = n.cluster_key
