-- reject_reasons: why lines of the blobs dated day $day were rejected, most frequent first.
SELECT Reason AS reason, CAST(count(*) AS BIGINT) AS lines
FROM Rejects
WHERE date = CAST($day AS DATE)
GROUP BY Reason
ORDER BY lines DESC, reason
LIMIT 10
