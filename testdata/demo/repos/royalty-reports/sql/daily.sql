-- Plays per rights holder per day, from the plays dataset.
INSERT INTO royalty.daily_v1 (day, rights_holder, plays)
SELECT DATE(p.ts) AS day,
       t.rights_holder,
       COUNT(*) AS plays
FROM `analytics.user_plays_v3` AS p
JOIN catalog.tracks AS t ON t.track_id = p.track_id
WHERE p.ms_played >= 30000
GROUP BY day, t.rights_holder;
