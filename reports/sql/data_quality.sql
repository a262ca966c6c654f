-- data_quality: every archive blob whose path date is day $day, with what reading it gave:
-- its size, the rows it produced in all tables, its rejected lines and the first reason.
SELECT container,
       blob,
       size AS bytes,
       records,
       rejected,
       NULLIF(first_error, '') AS first_error
FROM _Blobs
WHERE date = CAST($day AS DATE)
ORDER BY container, blob
