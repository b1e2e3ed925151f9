-- honk transform: plays.user_plays version 3 to 4 (bigquery)
-- fills `analytics.user_plays_v4` from `analytics.user_plays_v3`

CREATE TABLE IF NOT EXISTS `analytics.user_plays_v4` (
  `user_id` STRING NOT NULL,
  `played_at` TIMESTAMP,
  `ms_played` INT64,
  `score` FLOAT64,
  `kind` STRING,
  `note` BYTES,
  `country` STRING,
  `device` STRUCT<`os` STRING, `model` STRING>
);

INSERT INTO `analytics.user_plays_v4` (
  `user_id`,
  `played_at`,
  `ms_played`,
  `score`,
  `kind`,
  `note`,
  `country`,
  `device`
)
SELECT
  `user_id`,
  `ts` AS `played_at`,
  `ms_played`,
  `score`,
  `kind`,
  CAST(`note` AS BYTES) AS `note`,
  'unknown' AS `country`,
  CAST(NULL AS STRUCT<`os` STRING, `model` STRING>) AS `device`
FROM `analytics.user_plays_v3`
WHERE NOT EXISTS (SELECT 1 FROM `analytics.user_plays_v4`);
