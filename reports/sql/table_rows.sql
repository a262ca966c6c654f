-- table_rows: how many rows one lake table holds for day $day (its `date` partition). The
-- table's quoted name replaces the marker, as a table name cannot be a bound parameter.
SELECT CAST(count(*) AS BIGINT) AS n
FROM /*table*/
WHERE date = CAST($day AS DATE)
