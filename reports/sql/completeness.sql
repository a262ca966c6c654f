-- completeness: which streams went quiet in day $day when they should not have
-- (docs/reports.md, completeness.csv). A stream is a (container, resource) of the archive.
-- Over the week before the day, the 168 hours of $day − 7 00:00 … $day 00:00, a stream is
-- `hourly` when it has a blob dated in every one of those hours, and `daily` when it has one
-- dated on each of those 7 days. An hourly stream is listed with the hours of the day that have
-- no blob, a daily one (not hourly) only when the whole day has none. Event-driven categories
-- write no blob in an hour without events and idle metrics back off, so no other stream's
-- quiet hours are gaps. An empty blob is a blob.
WITH blob_hours AS (
    SELECT DISTINCT container, upper(resource_id) AS resource_id, hour
    FROM _Blobs
    WHERE date BETWEEN CAST($day AS DATE) - 7 AND CAST($day AS DATE)
      AND hour >= CAST($day AS TIMESTAMP) - INTERVAL 7 DAY
      AND hour < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
),
week AS (
    SELECT container, resource_id,
           count(DISTINCT hour) AS hours,
           count(DISTINCT CAST(hour AS DATE)) AS days
    FROM blob_hours
    WHERE hour < CAST($day AS TIMESTAMP)
    GROUP BY container, resource_id
),
streams AS (
    SELECT container, resource_id,
           CASE WHEN hours = 168 THEN 'hourly' ELSE 'daily' END AS expected
    FROM week
    WHERE hours = 168 OR days = 7
),
present AS (
    SELECT container, resource_id, hour(hour) AS h
    FROM blob_hours
    WHERE hour >= CAST($day AS TIMESTAMP)
),
missing AS (
    SELECT s.container, s.resource_id, s.expected, hours.h
    FROM streams s
    CROSS JOIN (SELECT CAST(range AS BIGINT) AS h FROM range(24)) hours
    WHERE NOT EXISTS (
        SELECT 1 FROM present p
        WHERE p.container = s.container AND p.resource_id = s.resource_id AND p.h = hours.h
    )
)
SELECT container,
       resource_id,
       expected,
       string_agg(lpad(CAST(h AS VARCHAR), 2, '0'), ' ' ORDER BY h) AS missing_hours
FROM missing
GROUP BY container, resource_id, expected
HAVING expected = 'hourly' OR count(*) = 24
ORDER BY container, resource_id
