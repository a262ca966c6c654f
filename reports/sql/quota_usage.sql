-- quota_usage: how close each cluster's VM family came to its core quota in day $day.
-- quota_allocated is the largest quota seen, as the quota can be raised during the day.
-- The events are first summed per spelling of the resource ID, so that the ID is put in upper
-- case for a few rows rather than for every event.
WITH spellings AS (
    SELECT ResourceId, ClusterName, VmSize, VmPriority,
           min(Resource) AS workspace,
           count(*) AS events,
           max(QuotaAllocated) AS quota_allocated,
           max(QuotaUtilized) AS quota_utilized_max,
           max(pct) AS pct_max,
           sum(pct) AS pct_sum,
           count(*) FILTER (WHERE pct > 90) AS events_over_90
    FROM (
        SELECT ResourceId, Resource, ClusterName, VmSize, VmPriority, QuotaAllocated, QuotaUtilized,
               100.0 * QuotaUtilized / QuotaAllocated AS pct
        FROM AmlComputeClusterEvent
        WHERE date = CAST($day AS DATE)
          AND TimeGenerated >= CAST($day AS TIMESTAMP)
          AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
          AND QuotaAllocated > 0
          AND QuotaUtilized IS NOT NULL
    )
    GROUP BY ResourceId, ClusterName, VmSize, VmPriority
)
SELECT upper(ResourceId) AS resource_id,
       min(workspace) AS workspace,
       ClusterName AS cluster,
       VmSize AS vm_size,
       VmPriority AS vm_priority,
       CAST(sum(events) AS BIGINT) AS events,
       max(quota_allocated) AS quota_allocated,
       max(quota_utilized_max) AS quota_utilized_max,
       round(max(pct_max), 2) AS utilization_pct_max,
       round(sum(pct_sum) / sum(events), 2) AS utilization_pct_avg,
       CAST(sum(events_over_90) AS BIGINT) AS events_over_90
FROM spellings
GROUP BY upper(ResourceId), ClusterName, VmSize, VmPriority
ORDER BY utilization_pct_max DESC, resource_id, cluster, vm_size, vm_priority
