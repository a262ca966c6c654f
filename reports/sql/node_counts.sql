-- node_counts: the node count of the clusters the chart draws through day $day, where it
-- changes. The chart has a colour for $series clusters: those with the highest node count of
-- the day (at least 0), ties in (resource_id, cluster) order, are kept. Their events, in that
-- order, by time, then by blob and offset, are returned where the count differs from the one
-- before, and the first of each cluster: a step line through them is the line through all.
WITH events AS MATERIALIZED (
    SELECT ResourceId, Resource, ClusterName, TimeGenerated, _SourceBlob, _SourceOffset, CurrentNodeCount
    FROM AmlComputeClusterEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND CurrentNodeCount IS NOT NULL
),
-- Each cluster as its events spell its resource ID: the resource ID is put in upper case for
-- these few rows rather than for every event.
spellings AS (
    SELECT ResourceId, ClusterName, upper(ResourceId) AS resource_id, max(CurrentNodeCount) AS peak
    FROM events
    GROUP BY ResourceId, ClusterName
),
kept AS (
    SELECT resource_id, ClusterName AS cluster
    FROM spellings
    GROUP BY resource_id, ClusterName
    QUALIFY row_number() OVER (ORDER BY greatest(0, max(peak)) DESC, resource_id, cluster) <= $series
),
kept_spellings AS (
    SELECT s.ResourceId, s.ClusterName, k.resource_id, k.cluster
    FROM spellings s
    JOIN kept k ON k.resource_id = s.resource_id AND k.cluster IS NOT DISTINCT FROM s.ClusterName
),
kept_events AS (
    SELECT k.resource_id, k.cluster, e.Resource, e.TimeGenerated, e._SourceBlob, e._SourceOffset, e.CurrentNodeCount
    FROM events e
    JOIN kept_spellings k ON k.ResourceId = e.ResourceId AND k.ClusterName IS NOT DISTINCT FROM e.ClusterName
),
-- The events are sorted by the number of their blob in name order rather than by the long
-- names, which share their first characters.
blobs AS (
    SELECT _SourceBlob, row_number() OVER (ORDER BY _SourceBlob) AS blob
    FROM (SELECT DISTINCT _SourceBlob FROM kept_events)
),
ordered AS (
    SELECT e.resource_id, e.Resource, e.cluster, e.TimeGenerated, e.CurrentNodeCount, b.blob, e._SourceOffset,
           lag(e.CurrentNodeCount) OVER (PARTITION BY e.resource_id, e.cluster
                                         ORDER BY e.TimeGenerated, b.blob, e._SourceOffset) AS before
    FROM kept_events e
    JOIN blobs b ON b._SourceBlob = e._SourceBlob
)
SELECT resource_id, Resource AS workspace, cluster, TimeGenerated AS time, CurrentNodeCount AS nodes
FROM ordered
WHERE before IS NULL OR before <> CurrentNodeCount
ORDER BY resource_id, cluster, time, blob, _SourceOffset
