SELECT track_id, COUNT(*) AS skips FROM `analytics.skips_v1` GROUP BY track_id;
