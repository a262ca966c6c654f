-- completeness: which hours of day $day have no blob for a (container, resource) that had
-- blobs in the week before, i.e. which hours are missing from the archive.
WITH recent AS (
    SELECT DISTINCT container, upper(resource_id) AS resource_id
    FROM _Blobs
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
),
present AS (
    SELECT DISTINCT container, upper(resource_id) AS resource_id, hour(hour) AS h
    FROM _Blobs
    WHERE date = CAST($day AS DATE)
),
hours AS (
    SELECT CAST(range AS BIGINT) AS h FROM range(24)
)
SELECT r.container,
       r.resource_id,
       string_agg(lpad(CAST(hours.h AS VARCHAR), 2, '0'), ' ' ORDER BY hours.h) AS missing_hours
FROM recent r
CROSS JOIN hours
WHERE NOT EXISTS (
    SELECT 1 FROM present p
    WHERE p.container = r.container AND p.resource_id = r.resource_id AND p.h = hours.h
)
GROUP BY r.container, r.resource_id
ORDER BY r.container, r.resource_id
