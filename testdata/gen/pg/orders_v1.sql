-- The old table of testdata/gen/pg/catalog (shop.orders version 1) in
-- PostgreSQL, each column in the storage type lib/sqlgen.h gives its
-- field (int32 INTEGER, int64 BIGINT, float32 REAL, float64 DOUBLE
-- PRECISION, decimal NUMERIC(p, s), string TEXT, bytes BYTEA, date DATE,
-- time TIME, timestamp TIMESTAMPTZ, enum TEXT with a CHECK), named as the
-- generated SQL names it: location pg://analytics.orders_v1.
--
-- The rows walk the edges: row 2 is NULL in every optional column; the
-- others hold int32 and int64 extremes, an int64 beyond 2^31 (negative)
-- and one at 2^53, float32 0.1 (not exact in binary) and its largest
-- value, 1e-300 and the most negative float64, decimals at their
-- precision, quotes, a backslash and characters of two, three and four
-- bytes in UTF-8, bytes 0x00 and 0xff and an empty value, 2000-02-29 and
-- the first and last dates, times with fractions, timestamps with offsets
-- east and west of UTC, and every enum symbol.
--
-- views (int64 -> float64 in version 2) stays within 2^53 on purpose:
-- lib/sqlgen.h counts that change a widening, yet a float64 holds
-- integers exactly only up to 2^53, so 2^53 + 1 becomes 2^53 in the new
-- table and the int64 maximum becomes 2^63, which the compat view's cast
-- back to BIGINT refuses ("bigint out of range").

CREATE SCHEMA analytics;

CREATE TABLE analytics.orders_v1 (
  id BIGINT NOT NULL,
  paid BOOLEAN,
  qty INTEGER,
  clicks INTEGER,
  views BIGINT,
  ratio REAL,
  weight DOUBLE PRECISION,
  price NUMERIC(10, 2),
  fee NUMERIC(6, 3),
  customer TEXT,
  memo TEXT,
  raw BYTEA,
  day DATE,
  at TIME,
  ts TIMESTAMPTZ,
  status TEXT CHECK (status IN ('new', 'paid', 'shipped')),
  legacy TEXT
);

INSERT INTO analytics.orders_v1 VALUES
  (1, TRUE, 7, 0, -3000000000, 0.1, 1.5, 12345678.90, 1.5,
   'O''Brien', 'it''s', '\x00ff', '2000-02-29', '12:30:00.5',
   '2024-02-29T23:30:00.123456+05:30', 'new', 'gone'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL),
  (3, FALSE, -2147483648, 2147483647, 9007199254740992, -2.5, 1e-300,
   -0.01, -0.001,
   'Zoë "Z" 東京', 'ü€😀', '\x', '0001-01-01', '00:00:00',
   '1999-12-31T23:59:59-08:00', 'paid', NULL),
  (9223372036854775807, TRUE, 2147483647, -2147483648, 0, 3.4028235e+38,
   -1.7976931348623157e+308, 0, 999.999,
   'back\slash 😀', '', '\xdeadbeef00', '9999-12-31', '23:59:59.999999',
   '1970-01-01T00:00:00Z', 'shipped', 'x');
