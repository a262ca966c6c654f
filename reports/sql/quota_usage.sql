-- quota_usage: how close each cluster's VM family came to its core quota in day $day.
-- quota_allocated is the largest quota seen, as the quota can be raised during the day.
WITH events AS (
    SELECT upper(ResourceId) AS resource_id, Resource, ClusterName, VmSize, VmPriority,
           QuotaAllocated, QuotaUtilized,
           100.0 * QuotaUtilized / QuotaAllocated AS pct
    FROM AmlComputeClusterEvent
    WHERE date = CAST($day AS DATE)
      AND TimeGenerated >= CAST($day AS TIMESTAMP)
      AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
      AND QuotaAllocated > 0
      AND QuotaUtilized IS NOT NULL
)
SELECT resource_id,
       min(Resource) AS workspace,
       ClusterName AS cluster,
       VmSize AS vm_size,
       VmPriority AS vm_priority,
       CAST(count(*) AS BIGINT) AS events,
       max(QuotaAllocated) AS quota_allocated,
       max(QuotaUtilized) AS quota_utilized_max,
       round(max(pct), 2) AS utilization_pct_max,
       round(avg(pct), 2) AS utilization_pct_avg,
       CAST(count(*) FILTER (WHERE pct > 90) AS BIGINT) AS events_over_90
FROM events
GROUP BY resource_id, ClusterName, VmSize, VmPriority
ORDER BY utilization_pct_max DESC, resource_id, cluster, vm_size, vm_priority
