-- honk transform: plays.user_plays version 3 to 4 (sqlite)
-- fills "analytics.user_plays_v4" from "analytics.user_plays_v3"

BEGIN;

CREATE TABLE IF NOT EXISTS "analytics.user_plays_v4" (
  "user_id" TEXT NOT NULL,
  "played_at" TEXT,
  "ms_played" INTEGER,
  "score" REAL,
  "kind" TEXT CHECK ("kind" IN ('song', 'podcast', 'audiobook')),
  "note" BLOB,
  "country" TEXT,
  "device" TEXT
) STRICT;

INSERT INTO "analytics.user_plays_v4" (
  "user_id",
  "played_at",
  "ms_played",
  "score",
  "kind",
  "note",
  "country",
  "device"
)
SELECT
  "user_id",
  "ts" AS "played_at",
  "ms_played",
  "score",
  "kind",
  CAST("note" AS BLOB) AS "note",
  'unknown' AS "country",
  NULL AS "device"
FROM "analytics.user_plays_v3"
WHERE NOT EXISTS (SELECT 1 FROM "analytics.user_plays_v4");

COMMIT;
