-- Shared filter: plays long enough to count.
CREATE TEMP FUNCTION counted(ms_played INT64) AS (ms_played >= 30000);
SELECT user_id, ts FROM `analytics.user_plays_v3` WHERE counted(ms_played);
