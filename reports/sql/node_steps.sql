-- node_steps: each cluster's node counts as step functions from $day − 7 to $day + 1 00:00,
-- for node_days. One row per instant of the cluster's events of AmlComputeClusterEvent in
-- [$day − 7, $day + 1) with a non-NULL CurrentNodeCount (nodes) or IdleNodeCount (idle). Each
-- value holds from start until the cluster's next instant with a value of that kind
-- (nodes_stop, idle_stop; NULL on a row without the value), the last until $day + 1 00:00.
-- Events are ordered by TimeGenerated, _SourceBlob, _SourceOffset: of two events at one instant
-- the later in that order holds (a value from the other events at that instant would hold for
-- no time, so they make no row). Events before $day − 7 do not count: a value is carried at
-- most a week.
--
-- A cluster is keyed by cluster_key = hash(ResourceId, ClusterName) (callers map it back to
-- names), and the long blob names are read only for the events of one cluster at one instant,
-- which are rare: reading and sorting a week of them would cost more than the rest of the
-- report. Such events are found by the sort that orders each cluster's events anyway.
WITH events AS (
    SELECT hash(ResourceId, ClusterName) AS cluster_key, TimeGenerated, CurrentNodeCount, IdleNodeCount
    FROM AmlComputeClusterEvent
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND (CurrentNodeCount IS NOT NULL OR IdleNodeCount IS NOT NULL)
),
-- Each event with the time of the cluster's next event that has a value of each kind (the
-- same whichever order events at one instant take), and whether it shares its instant.
ordered AS MATERIALIZED (
    SELECT cluster_key, TimeGenerated, CurrentNodeCount, IdleNodeCount,
           coalesce(lag(TimeGenerated) OVER w = TimeGenerated OR lead(TimeGenerated) OVER w = TimeGenerated,
                    false) AS tied,
           lead(CASE WHEN CurrentNodeCount IS NOT NULL THEN TimeGenerated END IGNORE NULLS) OVER w AS nodes_next,
           lead(CASE WHEN IdleNodeCount IS NOT NULL THEN TimeGenerated END IGNORE NULLS) OVER w AS idle_next
    FROM events
    WINDOW w AS (PARTITION BY cluster_key ORDER BY TimeGenerated)
),
-- An instant shared by events of a cluster: each value's step stops where the latest of
-- them (in whatever order the sort left them) sees the next one.
tied AS (
    SELECT cluster_key, TimeGenerated,
           max(coalesce(nodes_next, CAST($day AS TIMESTAMP) + INTERVAL 1 DAY))
               FILTER (WHERE CurrentNodeCount IS NOT NULL) AS nodes_stop,
           max(coalesce(idle_next, CAST($day AS TIMESTAMP) + INTERVAL 1 DAY))
               FILTER (WHERE IdleNodeCount IS NOT NULL) AS idle_stop
    FROM ordered
    WHERE tied
    GROUP BY cluster_key, TimeGenerated
),
-- ... and the values that hold from it: the last by blob and offset.
held AS (
    SELECT e.cluster_key, e.TimeGenerated,
           arg_max(e.CurrentNodeCount, (e._SourceBlob, e._SourceOffset)) FILTER (WHERE e.CurrentNodeCount IS NOT NULL) AS nodes,
           arg_max(e.IdleNodeCount, (e._SourceBlob, e._SourceOffset)) FILTER (WHERE e.IdleNodeCount IS NOT NULL) AS idle
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
    GROUP BY e.cluster_key, e.TimeGenerated
)
SELECT cluster_key, TimeGenerated AS start,
       CurrentNodeCount AS nodes,
       CASE WHEN CurrentNodeCount IS NOT NULL THEN
           coalesce(nodes_next, CAST($day AS TIMESTAMP) + INTERVAL 1 DAY) END AS nodes_stop,
       IdleNodeCount AS idle,
       CASE WHEN IdleNodeCount IS NOT NULL THEN
           coalesce(idle_next, CAST($day AS TIMESTAMP) + INTERVAL 1 DAY) END AS idle_stop
FROM ordered
WHERE NOT tied
UNION ALL
SELECT t.cluster_key, t.TimeGenerated AS start,
       h.nodes, t.nodes_stop, h.idle, t.idle_stop
FROM tied t
JOIN held h ON h.cluster_key = t.cluster_key AND h.TimeGenerated = t.TimeGenerated
