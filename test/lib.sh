# test/lib.sh: set-up shared by the demo, the test suite and the benchmarks.
#
# Sourced, not run.  Installs what is missing (Debian packages), builds and
# installs the extension, and runs a private PostgreSQL 15 cluster that
# listens on a Unix socket only, on its own port, with its data under
# /var/tmp/crash_analytics (a folder the postgres user can write).
#
# Settings (environment):
#   CA_PGPORT        port of the private cluster (default 54329)
#   CA_BASE          where the cluster lives (default /var/tmp/crash_analytics)
#   CA_KEEP_SERVER=1 leave the server running at the end, for psql
#   CA_SKIP_BUILD=1  use the extension already installed (parallel work trees)
#   CA_PREFIX=/opt/x build into, and run the cluster from, a private copy of
#                    the PostgreSQL installation under /opt/x (its binaries
#                    find share/ and lib/ relative to themselves), so that
#                    several work trees can each test their own build

set -euo pipefail

CA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CA_PGPORT=${CA_PGPORT:-54329}
CA_BASE=${CA_BASE:-/var/tmp/crash_analytics}
CA_DATA="$CA_BASE/data"
CA_SOCKET="$CA_BASE/socket"
CA_LOG="$CA_BASE/server.log"
CA_PREFIX=${CA_PREFIX:-}
CA_PGBIN=${CA_PREFIX}/usr/lib/postgresql/15/bin

export PGHOST="$CA_SOCKET" PGPORT="$CA_PGPORT" PGUSER=postgres
export PGTZ=UTC PGDATESTYLE=ISO,YMD

ca_say() { printf '== %s\n' "$*"; }

ca_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "run as root: it installs packages and the extension, and runs the server as the postgres user" >&2
		exit 2
	fi
}

# Debian packages the project needs; installed only when missing.
CA_PACKAGES=(make gcc postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl python3-psycopg2)

ca_install_packages() {
	local missing=() p
	for p in "${CA_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		ca_say "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
		# installing postgresql-15 creates and may start Debian's own cluster
		# (15/main, port 5432), empty: we run only private clusters, so it goes
		if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && [ -d /etc/postgresql/15/main ]; then
			pg_dropcluster --stop 15 main || true
		fi
	fi
}

ca_build_install() {
	if [ "${CA_SKIP_BUILD:-0}" = 1 ]; then
		make -C "$CA_ROOT" -s >/dev/null
		return
	fi
	if [ -n "$CA_PREFIX" ] && [ ! -x "$CA_PGBIN/postgres" ]; then
		ca_say "copying the PostgreSQL installation to $CA_PREFIX"
		mkdir -p "$CA_PREFIX/usr/lib/postgresql" "$CA_PREFIX/usr/share/postgresql"
		cp -a /usr/lib/postgresql/15 "$CA_PREFIX/usr/lib/postgresql/"
		cp -a /usr/share/postgresql/15 "$CA_PREFIX/usr/share/postgresql/"
	fi
	ca_say "building and installing the extension${CA_PREFIX:+ into $CA_PREFIX}"
	make -C "$CA_ROOT" -s clean >/dev/null
	make -C "$CA_ROOT" -s >/dev/null
	make -C "$CA_ROOT" -s install ${CA_PREFIX:+DESTDIR=$CA_PREFIX} >/dev/null
}

ca_pg() { runuser -u postgres -- "$@"; }

ca_stop_cluster() {
	if [ -f "$CA_DATA/postmaster.pid" ]; then
		ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -m fast -w stop >/dev/null 2>&1 ||
			ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -m immediate -w stop >/dev/null 2>&1 || true
	fi
}

# A fresh cluster every run: results do not depend on what an earlier run left.
ca_start_cluster() {
	ca_stop_cluster
	rm -rf "$CA_BASE"
	mkdir -p "$CA_DATA" "$CA_SOCKET"
	chown -R postgres:postgres "$CA_BASE"
	chmod 700 "$CA_DATA"
	ca_say "starting a private PostgreSQL 15 on socket $CA_SOCKET, port $CA_PGPORT"
	ca_pg "$CA_PGBIN/initdb" -D "$CA_DATA" -U postgres --auth=trust --encoding=UTF8 \
		--locale=C.UTF-8 >/dev/null
	cat >>"$CA_DATA/postgresql.conf" <<CONF
listen_addresses = ''
port = $CA_PGPORT
unix_socket_directories = '$CA_SOCKET'
timezone = 'UTC'
lc_messages = 'C'
max_connections = 50
shared_buffers = 256MB
fsync = ${CA_FSYNC:-on}
log_min_messages = warning
log_line_prefix = '%m [%p] %e '
CONF
	ca_pg "$CA_PGBIN/pg_ctl" -D "$CA_DATA" -l "$CA_LOG" -w start >/dev/null
}

ca_finish() {
	if [ "${CA_KEEP_SERVER:-0}" = 1 ]; then
		ca_say "server left running: psql -h $CA_SOCKET -p $CA_PGPORT -U postgres"
	else
		ca_stop_cluster
	fi
}
