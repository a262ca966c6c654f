-- node_counts: the node count of the clusters the chart draws through day $day, event by
-- event. The chart has a colour for $series clusters: those with the highest node count of the
-- day (at least 0), ties in (resource_id, cluster) order, are kept, and their events returned
-- in that order, by time, then by blob and offset.
WITH events AS MATERIALIZED (
    SELECT hash(upper(ResourceId), ClusterName) AS cluster_key, upper(ResourceId) AS resource_id,
           Resource, ClusterName, TimeGenerated, _SourceBlob, _SourceOffset, CurrentNodeCount
    FROM AmlComputeClusterEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND CurrentNodeCount IS NOT NULL
),
kept AS (
    SELECT cluster_key, any_value(resource_id) AS resource_id, any_value(ClusterName) AS cluster
    FROM events
    GROUP BY cluster_key
    QUALIFY row_number() OVER (ORDER BY greatest(0, max(CurrentNodeCount)) DESC,
                                        any_value(resource_id), any_value(ClusterName)) <= $series
),
-- The events are sorted by the number of their blob in name order rather than by the long
-- names, which share their first characters.
blobs AS (
    SELECT _SourceBlob, row_number() OVER (ORDER BY _SourceBlob) AS blob
    FROM (SELECT DISTINCT _SourceBlob FROM events SEMI JOIN kept USING (cluster_key))
)
SELECT k.resource_id, e.Resource AS workspace, k.cluster, e.TimeGenerated AS time,
       e.CurrentNodeCount AS nodes
FROM events e
JOIN kept k ON k.cluster_key = e.cluster_key
JOIN blobs b ON b._SourceBlob = e._SourceBlob
ORDER BY k.resource_id, k.cluster, time, b.blob, e._SourceOffset
