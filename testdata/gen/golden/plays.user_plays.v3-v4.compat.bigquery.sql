-- honk compat: plays.user_plays version 4 in the shape of version 3 (bigquery)
-- for readers of `analytics.user_plays_v3` not yet moved to `analytics.user_plays_v4`

CREATE OR REPLACE VIEW `analytics.user_plays_v3_compat` AS
SELECT
  `user_id`,
  `played_at` AS `ts`,
  `ms_played`, -- honk: note: narrows int64 to int32: new values may not fit
  `score`, -- honk: note: narrows float64 to float32: new values may not fit
  `kind`, -- honk: note: enum symbols audiobook are new in version 4: old readers may meet them
  CAST(`note` AS STRING) AS `note`,
  CAST(NULL AS STRING) AS `session` -- honk: note: not in version 4: always NULL
FROM `analytics.user_plays_v4`;
