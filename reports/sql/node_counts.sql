-- node_counts: each cluster's node count through day $day, event by event, for the chart.
SELECT upper(ResourceId) AS resource_id,
       Resource AS workspace,
       ClusterName AS cluster,
       TimeGenerated AS time,
       CurrentNodeCount AS nodes
FROM AmlComputeClusterEvent
WHERE date = CAST($day AS DATE)
  AND TimeGenerated >= CAST($day AS TIMESTAMP)
  AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
  AND CurrentNodeCount IS NOT NULL
ORDER BY resource_id, cluster, time, _SourceBlob, _SourceOffset
