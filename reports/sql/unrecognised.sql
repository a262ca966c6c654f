-- unrecognised: which listed blobs are not archive paths, and why.
SELECT container, blob, reason
FROM _Unrecognised
ORDER BY container, blob
