-- Top 200 tracks per market and day.
SELECT DATE(ts) AS day, market, track_id, COUNT(*) AS streams
FROM `analytics.user_plays_v3`
WHERE kind = 'song'
GROUP BY day, market, track_id
QUALIFY ROW_NUMBER() OVER (PARTITION BY day, market ORDER BY streams DESC) <= 200;
