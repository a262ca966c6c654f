-- node_event_resources: which resources logged AmlComputeClusterNodeEvent rows for day $day, in
-- the partitions node churn reads (D … D+2). A workspace that logs none leaves node churn's
-- nodes_allocated and boot times empty: Microsoft deprecated the table in February 2022, so
-- current accounts do not write it, and the report says so.
-- The distinct spellings first: upper case on each row would cost more than the rest.
SELECT DISTINCT upper(ResourceId) AS resource_id
FROM (
    SELECT DISTINCT ResourceId
    FROM AmlComputeClusterNodeEvent
    WHERE date BETWEEN CAST($day AS DATE) AND CAST($day AS DATE) + 2
)
ORDER BY resource_id
