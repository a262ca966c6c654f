-- node_churn: how each cluster's node count moved in day $day, how many nodes were preempted
-- or unusable, and how many nodes were allocated and how long they took to boot.
-- A cluster whose events in the day all lack CurrentNodeCount has events = 0 and empty node
-- counts (nothing was measured), but still its preempted and unusable maxima.
-- Node events are logged up to two days after the allocation, so partitions D..D+2 are read.
-- The day's events are read once for the three steps that use them.
WITH cluster_events AS MATERIALIZED (
    SELECT upper(ResourceId) AS resource_id, Resource, ClusterName, TimeGenerated,
           _SourceBlob, _SourceOffset, CurrentNodeCount, PreemptedNodeCount, UnusableNodeCount
    FROM AmlComputeClusterEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
),
-- The day's blobs numbered in name order: the events are sorted by the number rather than by
-- the long names, which share their first characters (as do the resource IDs, hence the hash
-- of the cluster's names to partition by).
blobs AS (
    SELECT _SourceBlob, row_number() OVER (ORDER BY _SourceBlob) AS blob
    FROM (SELECT DISTINCT _SourceBlob FROM cluster_events)
),
steps AS (
    SELECT e.resource_id, e.ClusterName, e.CurrentNodeCount,
           e.CurrentNodeCount - lag(e.CurrentNodeCount) OVER (
               PARTITION BY hash(e.resource_id, e.ClusterName)
               ORDER BY e.TimeGenerated, b.blob, e._SourceOffset) AS change
    FROM cluster_events e
    LEFT JOIN blobs b ON b._SourceBlob = e._SourceBlob
    WHERE e.CurrentNodeCount IS NOT NULL
),
counted AS (
    SELECT resource_id, ClusterName,
           count(*) AS events,
           min(CurrentNodeCount) AS nodes_min,
           max(CurrentNodeCount) AS nodes_max,
           coalesce(sum(change) FILTER (WHERE change > 0), 0) AS nodes_added,
           coalesce(-sum(change) FILTER (WHERE change < 0), 0) AS nodes_removed
    FROM steps
    GROUP BY resource_id, ClusterName
),
clusters AS (
    SELECT e.resource_id, e.ClusterName,
           min(e.Resource) AS workspace,
           max(e.PreemptedNodeCount) AS preempted_max,
           max(e.UnusableNodeCount) AS unusable_max
    FROM cluster_events e
    GROUP BY e.resource_id, e.ClusterName
),
nodes AS (
    SELECT upper(ResourceId) AS resource_id, ClusterName,
           min(Resource) AS workspace,
           count(DISTINCT NodeId) AS nodes_allocated,
           round(quantile_cont((epoch_us(NodeBootTime) - epoch_us(NodeAllocationTime)) / 1e6, 0.5), 1) AS boot_seconds_p50,
           round(quantile_cont((epoch_us(NodeBootTime) - epoch_us(NodeAllocationTime)) / 1e6, 0.95), 1) AS boot_seconds_p95
    FROM AmlComputeClusterNodeEvent
    WHERE date BETWEEN CAST($day AS DATE) AND CAST($day AS DATE) + 2
      AND NodeAllocationTime >= CAST($day AS TIMESTAMP)
      AND NodeAllocationTime < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
    GROUP BY upper(ResourceId), ClusterName
),
cluster_side AS (
    SELECT c.resource_id, c.ClusterName, c.workspace,
           CAST(coalesce(k.events, 0) AS BIGINT) AS events,
           k.nodes_min, k.nodes_max,
           CAST(k.nodes_added AS BIGINT) AS nodes_added,
           CAST(k.nodes_removed AS BIGINT) AS nodes_removed,
           c.preempted_max, c.unusable_max
    FROM clusters c
    LEFT JOIN counted k
      ON k.resource_id = c.resource_id AND k.ClusterName IS NOT DISTINCT FROM c.ClusterName
)
SELECT coalesce(c.resource_id, n.resource_id) AS resource_id,
       coalesce(c.workspace, n.workspace) AS workspace,
       coalesce(c.ClusterName, n.ClusterName) AS cluster,
       c.events, c.nodes_min, c.nodes_max, c.nodes_added, c.nodes_removed,
       c.preempted_max, c.unusable_max,
       CAST(n.nodes_allocated AS BIGINT) AS nodes_allocated,
       n.boot_seconds_p50, n.boot_seconds_p95
FROM cluster_side c
FULL OUTER JOIN nodes n
  ON n.resource_id = c.resource_id AND n.ClusterName IS NOT DISTINCT FROM c.ClusterName
ORDER BY resource_id, cluster
