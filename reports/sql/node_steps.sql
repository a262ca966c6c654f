-- node_steps: each cluster's node counts as step functions, for cluster_usage and trend.
-- One row per event of AmlComputeClusterEvent in [$day − 7, $day + 1) with a non-NULL count,
-- kind 'nodes' for CurrentNodeCount and 'idle' for IdleNodeCount: its value holds from its
-- time (start) until the cluster's next event with a non-NULL count of that kind (ordered by
-- TimeGenerated, _SourceBlob, _SourceOffset; two events at one instant: the later one in that
-- order holds), the last until $day + 1 00:00 (stop). Events before $day − 7 do not count,
-- so a value is carried at most a week.
WITH events AS (
    SELECT upper(ResourceId) AS resource_id, Resource, ClusterName, TimeGenerated,
           _SourceBlob, _SourceOffset, CurrentNodeCount, IdleNodeCount
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND (CurrentNodeCount IS NOT NULL OR IdleNodeCount IS NOT NULL)
),
counts AS (
    SELECT resource_id, Resource, ClusterName, TimeGenerated, _SourceBlob, _SourceOffset,
           'nodes' AS kind, CurrentNodeCount AS value
    FROM events
    WHERE CurrentNodeCount IS NOT NULL
    UNION ALL
    SELECT resource_id, Resource, ClusterName, TimeGenerated, _SourceBlob, _SourceOffset,
           'idle' AS kind, IdleNodeCount AS value
    FROM events
    WHERE IdleNodeCount IS NOT NULL
)
SELECT resource_id, Resource AS workspace, ClusterName, kind, value,
       TimeGenerated AS start,
       coalesce(lead(TimeGenerated) OVER (
                    PARTITION BY resource_id, ClusterName, kind
                    ORDER BY TimeGenerated, _SourceBlob, _SourceOffset),
                CAST($day AS TIMESTAMP) + INTERVAL 1 DAY) AS stop
FROM counts
