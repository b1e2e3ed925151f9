-- honk transform: plays.user_plays version 3 to 4 (postgres)
-- fills "analytics"."user_plays_v4" from "analytics"."user_plays_v3"

BEGIN;

CREATE SCHEMA IF NOT EXISTS "analytics";

CREATE TABLE IF NOT EXISTS "analytics"."user_plays_v4" (
  "user_id" TEXT NOT NULL,
  "played_at" TIMESTAMPTZ,
  "ms_played" BIGINT,
  "score" DOUBLE PRECISION,
  "kind" TEXT CHECK ("kind" IN ('song', 'podcast', 'audiobook')),
  "note" BYTEA,
  "country" TEXT,
  "device" JSONB
);

INSERT INTO "analytics"."user_plays_v4" (
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
  CAST("ms_played" AS BIGINT) AS "ms_played",
  CAST("score" AS DOUBLE PRECISION) AS "score",
  "kind",
  convert_to("note", 'UTF8') AS "note",
  'unknown' AS "country",
  CAST(NULL AS JSONB) AS "device"
FROM "analytics"."user_plays_v3"
WHERE NOT EXISTS (SELECT 1 FROM "analytics"."user_plays_v4");

COMMIT;
