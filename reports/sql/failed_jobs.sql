-- failed_jobs: which jobs failed in day $day, when they first failed and with which error
-- (the job's error message, else the error details, an empty text counting as absent).
SELECT TimeGenerated AS time,
       upper(ResourceId) AS resource_id,
       Resource AS workspace,
       ClusterName AS cluster,
       JobId AS job_id,
       JobName AS job_name,
       ExperimentName AS experiment_name,
       ToolType AS tool_type,
       coalesce(NULLIF(JobErrorMessage, ''), NULLIF(ErrorDetails, ''), '') AS error
FROM AmlComputeJobEvent
WHERE date = CAST($day AS DATE)
  AND TimeGenerated >= CAST($day AS TIMESTAMP)
  AND TimeGenerated < CAST($day AS TIMESTAMP) + INTERVAL 1 DAY
  AND lower(EventType) = 'jobfailed'
  AND JobId IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY JobId ORDER BY TimeGenerated, _SourceBlob, _SourceOffset) = 1
ORDER BY time, job_id
