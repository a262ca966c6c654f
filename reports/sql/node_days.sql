-- node_days: each cluster's node-hours and idle node-hours in each day of [$from, $day], the
-- step functions of node_steps integrated over every day they touch. cluster_usage reads the
-- row of $day and trend sums the days over clusters, so the week is computed once for both:
-- the report runs it with $from = $day − 6; the steps of the days before $from carry their
-- values into it.
-- node_hours is NULL for a cluster-day without a node count, idle_node_hours for one without
-- an idle count; the sums are of whole µs, exact, before they are turned into hours.
WITH steps AS (
/*node_steps*/
),
-- Each step once for every day from $from on that it touches: most lie in the day they start,
-- which takes their part without unnest.
parts AS (
    SELECT date_trunc('day', start) AS day, cluster_key, start, nodes, nodes_stop, idle, idle_stop
    FROM steps
    WHERE start >= CAST($from AS TIMESTAMP)
    UNION ALL
    SELECT unnest(range(greatest(date_trunc('day', start) + INTERVAL 1 DAY, CAST($from AS TIMESTAMP)),
                        greatest(coalesce(nodes_stop, start), coalesce(idle_stop, start)),
                        INTERVAL 1 DAY)) AS day,
           cluster_key, start, nodes, nodes_stop, idle, idle_stop
    FROM steps
    WHERE greatest(coalesce(nodes_stop, start), coalesce(idle_stop, start))
          > greatest(date_trunc('day', start) + INTERVAL 1 DAY, CAST($from AS TIMESTAMP))
)
SELECT CAST(day AS DATE) AS day, cluster_key,
       sum(nodes * greatest(0, epoch_us(least(nodes_stop, day + INTERVAL 1 DAY)) - epoch_us(greatest(start, day))))
           FILTER (WHERE nodes IS NOT NULL) / 3600e6 AS node_hours,
       sum(idle * greatest(0, epoch_us(least(idle_stop, day + INTERVAL 1 DAY)) - epoch_us(greatest(start, day))))
           FILTER (WHERE idle IS NOT NULL) / 3600e6 AS idle_node_hours
FROM parts
GROUP BY day, cluster_key
