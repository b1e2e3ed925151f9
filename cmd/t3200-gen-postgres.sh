#!/bin/sh
test_description='honk-gen ID: the PostgreSQL transform and compat view, run on a real server'
. "$(dirname "$0")/test-lib.sh"

# A throwaway PostgreSQL server: initdb in a temporary directory, listening
# on 127.0.0.1 only (a free port, tried a few times) and on a unix socket
# in the same directory, fsync off; stopped by the last test, and by
# test_atexit however the script ends. Without the server's programs the
# script skips itself, unless HONK_TEST_POSTGRES=required (.ci/run, which
# installs them, sets it): then that is a failure. HONK_TEST_PG_BIN names
# the directory of initdb, pg_ctl, postgres and psql if they are elsewhere.

id=shop.orders.v1-v2
prop=honk/propose/$id
fixtures=$HONK_TESTDATA/gen/pg

# Nothing of the caller's PostgreSQL settings (PGHOST, PGUSER...) applies.
for pg_var in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p')
do
	unset "$pg_var"
done
PGCLIENTENCODING=UTF8
PGTZ=UTC
PGPASSFILE=$TRASH_DIRECTORY/.pgpass
export PGCLIENTENCODING PGTZ PGPASSFILE

# pg_cannot_run REASON: skip, or fail where the server is required.
pg_cannot_run() {
	if test "${HONK_TEST_POSTGRES:-}" = required
	then
		echo "error: $1 (and HONK_TEST_POSTGRES=required)" >&2
		exit 1
	fi
	test_skip_all "$1"
}

pg_has_bin() {
	test -x "$1/initdb" && test -x "$1/pg_ctl" && test -x "$1/postgres" &&
	test -x "$1/psql"
}

# The server's programs: HONK_TEST_PG_BIN, else the newest of Debian's
# /usr/lib/postgresql/<major>/bin, else initdb's directory on PATH.
pg_bin=${HONK_TEST_PG_BIN:-}
if test -z "$pg_bin"
then
	pg_major=
	for pg_d in /usr/lib/postgresql/*/bin
	do
		pg_has_bin "$pg_d" || continue
		pg_v=${pg_d%/bin}
		pg_v=${pg_v##*/}
		case "$pg_v" in
		'' | *[!0-9]*) continue ;;
		esac
		if test -z "$pg_major" || test "$pg_v" -gt "$pg_major"
		then
			pg_major=$pg_v
			pg_bin=$pg_d
		fi
	done
fi
if test -z "$pg_bin" && pg_d=$(command -v initdb 2>/dev/null)
then
	pg_bin=${pg_d%/*}
fi
if test -z "$pg_bin" || ! pg_has_bin "$pg_bin"
then
	pg_cannot_run "no PostgreSQL server programs (initdb, pg_ctl, postgres, psql${pg_bin:+ in $pg_bin}); apt-get install postgresql"
fi

# PostgreSQL refuses to run as root: then its programs run as the user
# postgres, which the package creates.
pg_as=
pg_owner=
if test "$(id -u)" -eq 0
then
	if ! id postgres >/dev/null 2>&1
	then
		pg_cannot_run "running as root, and no user postgres to run the server as"
	elif command -v runuser >/dev/null 2>&1
	then
		pg_as="runuser -u postgres --"
	elif command -v setpriv >/dev/null 2>&1
	then
		pg_as="setpriv --reuid=postgres --regid=postgres --init-groups --"
	else
		pg_cannot_run "running as root, and neither runuser nor setpriv to run the server as postgres"
	fi
	pg_owner=postgres
fi

# pg_run CMD...: a server program, as the server's user, in its directory.
pg_run() {
	(cd "$pg_dir" && $pg_as "$@")
}

# pg_start: the server on a free port of 127.0.0.1, ready for connections.
pg_start() {
	for pg_try in 1 2 3 4 5
	do
		pg_port=$(od -An -N2 -tu2 /dev/urandom | tr -d " ") &&
		pg_port=$((20000 + pg_port % 40000)) &&
		rm -f "$pg_dir/server.log" &&
		if pg_run "$pg_bin/pg_ctl" start -w -t 60 -s -D "$pg_dir/data" \
			-l "$pg_dir/server.log" -o "-p $pg_port \
			-c listen_addresses=127.0.0.1 \
			-c unix_socket_directories='$pg_dir' \
			-c fsync=off -c synchronous_commit=off \
			-c full_page_writes=off -c TimeZone=UTC \
			-c DateStyle='ISO, YMD' -c extra_float_digits=1"
		then
			break
		fi
		pg_port=
		# a port taken is worth another try; anything else is not
		grep -q -e "could not bind" -e "could not create any TCP/IP" \
			"$pg_dir/server.log" || break
	done
	if test -z "$pg_port"
	then
		cat "$pg_dir/server.log" >&2
		return 1
	fi
	pg_wait=0
	until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -t 1
	do
		pg_wait=$((pg_wait + 1))
		test $pg_wait -lt 30 || return 1
		sleep 1
	done
}

# pg_stop: stop the server if it runs; at exit, remove its directory too.
pg_stop() {
	test -n "$pg_dir" && test -f "$pg_dir/data/postmaster.pid" || return 0
	pg_run "$pg_bin/pg_ctl" stop -w -t 30 -s -m fast -D "$pg_dir/data" ||
	pg_run "$pg_bin/pg_ctl" stop -w -t 30 -s -m immediate -D "$pg_dir/data"
}
pg_cleanup() {
	pg_stop
	test -z "$pg_dir" || rm -rf "$pg_dir"
}

# pg_alive PID: is process PID running? One that exited is not, though
# it waits as a zombie until whoever inherited it (init) reaps it.
pg_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if test -r "/proc/$1/stat"
	then
		pg_state=$(sed "s/.*) //; s/ .*//" "/proc/$1/stat" 2>/dev/null)
	else
		pg_state=$(ps -o stat= -p "$1" 2>/dev/null)
	fi
	case "$pg_state" in
	Z* | X*) return 1 ;;
	esac
	return 0
}

# pg_sql ARGS...: psql as the server's superuser, stopping at the first error.
pg_sql() {
	"$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" \
		-U honk -d postgres "$@"
}

# pg_rows QUERY: its rows as the *.expect fixtures hold them.
pg_rows() {
	pg_sql -A -F "|" -P footer=off -P null="<null>" -c "$1"
}

# expect NAME: the fixture NAME without its comments, as ./expect.
expect() {
	grep -v "^#" "$fixtures/$1" >expect
}

# pg_types TABLE: each column of TABLE with its type, in order.
pg_types() {
	pg_rows "SELECT attname, format_type(atttypid, atttypmod)
		FROM pg_attribute WHERE attrelid = '$1'::regclass
		AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
}

pg_dir=
test_atexit pg_cleanup

test_expect_success "setup: a server on 127.0.0.1 ($pg_bin)" '
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/honk-pg.XXXXXX") &&
	pg_pass=$(od -An -N16 -tx1 /dev/urandom | tr -d " \n") &&
	test -n "$pg_pass" &&
	(umask 077 && echo "$pg_pass" >"$pg_dir/pwfile" &&
	 echo "127.0.0.1:*:*:honk:$pg_pass" >"$PGPASSFILE") &&
	if test -n "$pg_owner"
	then
		chown -R "$pg_owner" "$pg_dir"
	fi &&
	{
		pg_run test -w "$pg_dir" -a -x "$pg_dir" || {
			echo "${pg_owner:-this user} cannot write $pg_dir: is each directory above it open to search?" >&2
			false
		}
	} &&
	{
		pg_run "$pg_bin/initdb" -D "$pg_dir/data" -U honk \
			--pwfile="$pg_dir/pwfile" --auth=scram-sha-256 \
			-E UTF8 --locale=C -N >initdb.log 2>&1 || {
			cat initdb.log >&2
			false
		}
	} &&
	pg_start &&
	pg_rows "SHOW server_version_num" &&
	pg_rows "SELECT inet_server_addr()" >addr &&
	printf "%s\n" inet_server_addr 127.0.0.1 >expect &&
	test_cmp expect addr
'

test_expect_success 'setup: the catalog, detected and generated' '
	honk_catalog_repo cat "$fixtures/catalog" &&
	honk-detect -C cat -q &&
	honk-gen -C cat $id >out 2>err &&
	grep "validation passed" err &&
	git -C cat show "$prop:migrations/$id/transform.postgres.sql" >transform.sql &&
	git -C cat show "$prop:migrations/$id/compat.postgres.sql" >compat.sql &&
	grep "^CREATE TABLE IF NOT EXISTS \"analytics\".\"orders_v2\" ($" transform.sql &&
	grep "^CREATE OR REPLACE VIEW \"analytics\".\"orders_v1_compat\" AS$" compat.sql &&
	! grep "honk: manual" transform.sql compat.sql
'

test_expect_success 'the old table holds the rows of the fixture' '
	pg_sql -f "$fixtures/orders_v1.sql" &&
	pg_rows "SELECT * FROM analytics.orders_v1 ORDER BY id" >actual &&
	expect orders_v1.expect &&
	test_cmp expect actual
'

test_expect_success 'a narrowing planted in the transform fails loudly, leaving nothing' '
	sed "s/CAST(\"views\" AS DOUBLE PRECISION) AS \"views\"/CAST(\"views\" AS INTEGER) AS \"views\"/" \
		transform.sql >narrowed.sql &&
	test $(grep -c "CAST(\"views\" AS INTEGER)" narrowed.sql) -eq 1 &&
	test_expect_code 3 pg_sql -f narrowed.sql 2>err &&
	grep "ERROR:  integer out of range" err &&
	pg_rows "SELECT to_regclass('\''analytics.orders_v2'\'') IS NULL AS gone" >actual &&
	printf "%s\n" gone t >expect &&
	test_cmp expect actual
'

test_expect_success 'the transform runs and the new table holds the expected rows' '
	pg_sql -f transform.sql 2>err &&
	! grep -e ERROR -e WARNING err &&
	pg_rows "SELECT * FROM analytics.orders_v2 ORDER BY id" >actual &&
	expect orders_v2.expect &&
	test_cmp expect actual
'

test_expect_success 'the new table has the storage types of lib/sqlgen.h' '
	pg_types analytics.orders_v2 >actual &&
	cat >expect <<-\EOF &&
	attname|format_type
	id|bigint
	paid|boolean
	qty|integer
	clicks|bigint
	views|double precision
	ratio|double precision
	weight|double precision
	price|numeric(10,2)
	fee|numeric(9,4)
	buyer|text
	memo|bytea
	raw|bytea
	day|date
	at|time without time zone
	ts|timestamp with time zone
	status|text
	country|text
	gift|boolean
	tries|integer
	limit|bigint
	scale|real
	rate|double precision
	cost|numeric(5,2)
	tag|bytea
	since|date
	opens|time without time zone
	seen|timestamp with time zone
	tier|text
	coupon|text
	EOF
	test_cmp expect actual &&
	test_must_fail pg_sql -c "INSERT INTO analytics.orders_v2 (id, status) VALUES (5, '\''lost'\'')" 2>err &&
	grep "violates check constraint" err &&
	test_must_fail pg_sql -c "INSERT INTO analytics.orders_v2 (id) VALUES (NULL)" 2>err &&
	grep "violates not-null constraint" err
'

test_expect_success 'the compat view gives back the old rows, in the old types' '
	pg_sql -f compat.sql 2>err &&
	! grep -e ERROR -e WARNING err &&
	pg_rows "SELECT * FROM analytics.orders_v1_compat ORDER BY id" >actual &&
	expect orders_v1_compat.expect &&
	test_cmp expect actual &&
	cols="id, paid, qty, clicks, views, ratio, weight, price, fee, customer, memo, raw, day, \"at\", ts, status" &&
	pg_rows "SELECT $cols FROM analytics.orders_v1 ORDER BY id" >old &&
	pg_rows "SELECT $cols FROM analytics.orders_v1_compat ORDER BY id" >compat &&
	test_cmp old compat &&
	pg_types analytics.orders_v1 >old &&
	pg_types analytics.orders_v1_compat >compat &&
	test_cmp old compat
'

# lib/sqlgen.h: the transform fills the new table only while it is
# empty, so a second run adds nothing.
test_expect_success 'a second run of the transform adds nothing' '
	pg_sql -f transform.sql 2>err &&
	grep "NOTICE:  relation \"orders_v2\" already exists, skipping" err &&
	pg_rows "SELECT * FROM analytics.orders_v2 ORDER BY id" >actual &&
	expect orders_v2.expect &&
	test_cmp expect actual
'

test_expect_success 'a new value the old shape cannot hold makes the compat view fail loudly' '
	pg_sql -c "INSERT INTO analytics.orders_v2 (id, clicks) VALUES (10, 1099511627776)" &&
	test_must_fail pg_rows "SELECT * FROM analytics.orders_v1_compat" 2>err &&
	grep "ERROR:  integer out of range" err &&
	pg_sql -c "DELETE FROM analytics.orders_v2 WHERE id = 10" &&
	pg_sql -c "INSERT INTO analytics.orders_v2 (id, memo) VALUES (11, '\''\xff00'\'')" &&
	test_must_fail pg_rows "SELECT * FROM analytics.orders_v1_compat" 2>err &&
	grep "ERROR:  invalid byte sequence for encoding \"UTF8\": 0xff" err
'

test_expect_success 'the server stops and is gone' '
	pg_pid=$(sed -n 1p "$pg_dir/data/postmaster.pid") &&
	test -n "$pg_pid" &&
	pg_run "$pg_bin/pg_ctl" stop -w -t 30 -s -m fast -D "$pg_dir/data" &&
	test_path_is_missing "$pg_dir/data/postmaster.pid" &&
	! pg_alive "$pg_pid" &&
	test_expect_code 3 pg_run "$pg_bin/pg_ctl" status -D "$pg_dir/data" >out &&
	test_must_fail "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -t 1 &&
	rm -rf "$pg_dir" &&
	test_path_is_missing "$pg_dir"
'

test_done
