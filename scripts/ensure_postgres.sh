#!/usr/bin/env bash
# Makes PostgreSQL answer on 127.0.0.1:5432 and makes the role in PG_URL able to create its test database.
# Starts an installed cluster with pg_ctlcluster, or installs Debian's postgresql when there is none.
set -euo pipefail
PG_URL=${PG_URL:-postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi}
host=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(p.hostname or "127.0.0.1")' "$PG_URL")
port=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(p.port or 5432)' "$PG_URL")
user=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.unquote(p.username or "postgres"))' "$PG_URL")
password=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.unquote(p.password or ""))' "$PG_URL")

answers() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }

if ! answers; then
  if [ "$host" != "127.0.0.1" ] && [ "$host" != "localhost" ]; then
    echo "PostgreSQL at $host:$port does not answer" >&2; exit 1
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installing Debian's postgresql ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ -z "$version" ]; then echo "no PostgreSQL cluster found" >&2; exit 1; fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do answers && break; sleep 1; done
  answers || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

# The role may need creating (fresh cluster); run psql as the postgres OS user over the local socket.
as_postgres() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$user" != "postgres" ]; then
  sql="DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
      CREATE ROLE \"$user\" LOGIN CREATEDB PASSWORD '$password';
    ELSE
      ALTER ROLE \"$user\" LOGIN CREATEDB PASSWORD '$password';
    END IF;
  END \$\$;"
  as_postgres psql -q -h /var/run/postgresql -p "$port" -d postgres -c "$sql" >/dev/null 2>&1 \
    || psql -q -h "$host" -p "$port" -U postgres -d postgres -c "$sql" >/dev/null
fi
echo "PostgreSQL ready on $host:$port as $user"
