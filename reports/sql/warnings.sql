-- warnings: which blobs dated day $day had values that could not be coerced to their column
-- type (kept as NULL), most first.
SELECT container, blob, warnings
FROM _Blobs
WHERE date = CAST($day AS DATE) AND warnings > 0
ORDER BY warnings DESC, container, blob
