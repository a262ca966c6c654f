-- node_steps: each cluster's node counts as step functions from $from to $day + 1 00:00, for
-- node_days ($from = $day − 6), which cluster_usage and trend read. One row per event of
-- AmlComputeClusterEvent in [$from, $day + 1) with a non-NULL CurrentNodeCount (nodes) or
-- IdleNodeCount (idle), and one row at $from for the values the cluster carries into it (those
-- of its last events in [$day − 7, $from)). Each value holds from start until the cluster's
-- next row with a value of that kind (nodes_stop, idle_stop; NULL on a row without the value),
-- the last until $day + 1 00:00.
-- Events are ordered by TimeGenerated, _SourceBlob, _SourceOffset: of two events at one instant
-- the later in that order holds. Events before $day − 7 do not count: a value is carried at
-- most a week.
--
-- A cluster is keyed by cluster_key = hash(ResourceId, ClusterName) (callers map it back to
-- names), and the long blob names are read only for the events of one cluster at one instant,
-- which are rare: reading and sorting a week of them would cost more than the rest of the
-- report.
WITH events AS MATERIALIZED (
    SELECT hash(ResourceId, ClusterName) AS cluster_key, TimeGenerated, CurrentNodeCount, IdleNodeCount
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND (CurrentNodeCount IS NOT NULL OR IdleNodeCount IS NOT NULL)
),
tied AS (
    SELECT cluster_key, TimeGenerated
    FROM events
    GROUP BY cluster_key, TimeGenerated
    HAVING count(*) > 1
),
-- Every event, with its rank among the events of its cluster and instant (0 when alone).
ordered AS (
    SELECT e.cluster_key, e.TimeGenerated, 0 AS tie, e.CurrentNodeCount, e.IdleNodeCount
    FROM events e
    ANTI JOIN tied t ON t.cluster_key = e.cluster_key AND t.TimeGenerated = e.TimeGenerated
    UNION ALL
    SELECT e.cluster_key, e.TimeGenerated,
           row_number() OVER (PARTITION BY e.cluster_key, e.TimeGenerated ORDER BY e._SourceBlob, e._SourceOffset) AS tie,
           e.CurrentNodeCount, e.IdleNodeCount
    FROM (
        SELECT hash(ResourceId, ClusterName) AS cluster_key, TimeGenerated, _SourceBlob, _SourceOffset,
               CurrentNodeCount, IdleNodeCount
        FROM AmlComputeClusterEvent
        WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
          AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
          AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
          AND (CurrentNodeCount IS NOT NULL OR IdleNodeCount IS NOT NULL)
    ) e
    SEMI JOIN tied t ON t.cluster_key = e.cluster_key AND t.TimeGenerated = e.TimeGenerated
),
-- The values each cluster carries into $from: those of its last events before it.
carried AS (
    SELECT cluster_key, CAST($from AS TIMESTAMP) AS TimeGenerated, -1 AS tie,
           arg_max(CurrentNodeCount, (TimeGenerated, tie)) FILTER (WHERE CurrentNodeCount IS NOT NULL) AS CurrentNodeCount,
           arg_max(IdleNodeCount, (TimeGenerated, tie)) FILTER (WHERE IdleNodeCount IS NOT NULL) AS IdleNodeCount
    FROM ordered
    WHERE TimeGenerated < CAST($from AS TIMESTAMP)
    GROUP BY cluster_key
),
steps AS (
    SELECT * FROM carried
    UNION ALL
    SELECT * FROM ordered WHERE TimeGenerated >= CAST($from AS TIMESTAMP)
)
-- The next row that has a value is the next row at all, nulls of that value skipped: one sort
-- of the rows serves both values.
SELECT cluster_key, TimeGenerated AS start,
       CurrentNodeCount AS nodes,
       CASE WHEN CurrentNodeCount IS NOT NULL THEN
           coalesce(lead(CASE WHEN CurrentNodeCount IS NOT NULL THEN TimeGenerated END IGNORE NULLS) OVER w,
                    CAST($day AS TIMESTAMP) + INTERVAL 1 DAY) END AS nodes_stop,
       IdleNodeCount AS idle,
       CASE WHEN IdleNodeCount IS NOT NULL THEN
           coalesce(lead(CASE WHEN IdleNodeCount IS NOT NULL THEN TimeGenerated END IGNORE NULLS) OVER w,
                    CAST($day AS TIMESTAMP) + INTERVAL 1 DAY) END AS idle_stop
FROM steps
WINDOW w AS (PARTITION BY cluster_key ORDER BY TimeGenerated, tie)
