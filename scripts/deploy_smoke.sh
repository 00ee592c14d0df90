#!/usr/bin/env bash
# The production stack, started for real on loopback and checked through nginx over HTTPS (issue 15; `make
# test-deploy`). It starts, from deploy/'s own files: nginx (the site deploy/nginx/gongzhi.conf, rendered for
# 127.0.0.1:18443 and :18080 with a throwaway certificate), gunicorn with 2 workers and the task worker (the same
# deploy/bin scripts the systemd units run), its own redis-server on a free port, and a database gongzhi_smoke on the
# running PostgreSQL cluster. Then it migrates, collects the static files, loads a small demo, and checks what an
# operator relies on. Everything it started is stopped, and its database dropped, when it exits.
# Run as root (it installs nginx, openssl and redis-server from Debian if they are missing). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
HTTPS_PORT=${SMOKE_HTTPS_PORT:-18443}
HTTP_PORT=${SMOKE_HTTP_PORT:-18080}
HOST=gongzhi.test
PG_ADMIN_URL=${PG_URL:-postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi}
SMOKE_DB=gongzhi_smoke
PG_SMOKE_URL="${PG_ADMIN_URL%/*}/$SMOKE_DB"
PY="$ROOT/.venv/bin/python"

failures=0
pass() { printf '  \033[32m✓\033[0m %s\n' "$1"; }
fail() { printf '  \033[31m✗\033[0m %s\n' "$1"; failures=$((failures + 1)); }
skip() { printf '  - %s\n' "$1"; }
check() { # check "what" command...: ✓ when the command succeeds
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
say() { printf '%s\n' "$*"; }

# ------------------------------------------------------------------------------------------------ what is missing
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { say "missing ${missing[*]}: run as root to install them"; exit 1; }
  say "Installing ${missing[*]} from Debian ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts the packages' own services on install; the smoke test never uses them and leaves them as they were.

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
for p in "$HTTPS_PORT" "$HTTP_PORT"; do
  port_free "$p" || { say "port $p is taken (another smoke run?); set SMOKE_HTTPS_PORT / SMOKE_HTTP_PORT"; exit 1; }
done
APP_PORT=$(free_port)
REDIS_PORT=$(free_port)

# ------------------------------------------------------------------------------------------------ cleanup
TMP=$(mktemp -d /tmp/gongzhi-smoke.XXXXXX)
chmod 755 "$TMP"  # nginx's workers (www-data) read the static and media files below it
pids=()
cleanup() {
  local status=$?
  set +e
  if [ -f "$TMP/nginx.pid" ]; then nginx -p "$TMP/" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" -s quit 2>/dev/null; fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [ -n "${db_made:-}" ]; then
    PGPASSWORD=gongzhi dropdb --if-exists --force -h 127.0.0.1 -U gongzhi "$SMOKE_DB" 2>/dev/null
  fi
  if [ "$status" != 0 ] || [ "$failures" != 0 ]; then
    say "--- last lines of the logs ($TMP kept until now) ---"
    tail -n 15 "$TMP"/*.log 2>/dev/null
  fi
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
say "Deploy smoke test in $TMP (nginx https://$HOST:$HTTPS_PORT, app 127.0.0.1:$APP_PORT, redis :$REDIS_PORT)"

# ------------------------------------------------------------------------------------------------ certificate
mkdir -p "$TMP/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
  -keyout "$TMP/tls/privkey.pem" -out "$TMP/tls/fullchain.pem" 2>/dev/null

# ------------------------------------------------------------------------------------------------ PostgreSQL
PG_URL="$PG_ADMIN_URL" scripts/ensure_postgres.sh >/dev/null
PGPASSWORD=gongzhi dropdb --if-exists --force -h 127.0.0.1 -U gongzhi "$SMOKE_DB"
PGPASSWORD=gongzhi createdb -h 127.0.0.1 -U gongzhi -O gongzhi "$SMOKE_DB"
db_made=1

# ------------------------------------------------------------------------------------------------ Redis (its own)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$TMP" \
  --logfile "$TMP/redis.log" --daemonize no &
pids+=($!)

# ------------------------------------------------------------------------------------------------ environment
# The documented production environment (deploy/gongzhi.env.example) when present, then this run's own values.
mkdir -p "$TMP/var"
{
  if [ -f deploy/gongzhi.env.example ]; then grep -Ev '^\s*(#|$)' deploy/gongzhi.env.example; fi
  cat <<EOF
GONGZHI_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
GONGZHI_ALLOWED_HOSTS=$HOST
GONGZHI_DEBUG=0
GONGZHI_DEMO=0
GONGZHI_HTTPS=1
DATABASE_URL=$PG_SMOKE_URL
GONGZHI_CACHE_URL=redis://127.0.0.1:$REDIS_PORT/0
GONGZHI_VAR_DIR=$TMP/var
GONGZHI_MEDIA_ACCEL=/_protected/
GONGZHI_STATIC_MANIFEST=1
GONGZHI_BIND=127.0.0.1:$APP_PORT
GONGZHI_SMOKE_FAULT=1
EOF
} >"$TMP/gongzhi.env"
# Read as systemd's EnvironmentFile= reads it: KEY=value lines, the last of a key winning.
while IFS= read -r line; do
  case $line in '' | \#*) continue ;; esac
  key=${line%%=*} value=${line#*=}
  case $value in \"*\") value=${value:1:-1} ;; \'*\') value=${value:1:-1} ;; esac
  export "$key=$value"
done <"$TMP/gongzhi.env"

say "Migrating, collecting static files, loading a small demo ..."
"$PY" manage.py migrate --noinput -v0
say "  migrated ($(( SECONDS - started )) s)"
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py load_demo --residents 100 --quiet
say "  demo loaded ($(( SECONDS - started )) s)"

# A ballot scan only the topic's organisers may see, written as the app stores uploads (no upload view in a smoke).
SMOKE_EVIDENCE="$TMP/evidence" "$PY" manage.py shell -c '
import hashlib
import os
from django.core.files.base import ContentFile
from django.urls import reverse
from gongzhi.core.models import User
from gongzhi.deliberation.models import Ballot
from gongzhi.deliberation.predicates import can_manage_topic
from gongzhi.demo.people.specs import DEMO_PASSWORD
data = b"%PDF-1.4 smoke test scan " + bytes(range(256))
for ballot in Ballot.objects.select_related("topic").order_by("pk"):
    manager = next((u for u in User.objects.filter(phone__startswith="1380000").order_by("phone")
                    if can_manage_topic(u, ballot.topic)), None)
    if manager:
        ballot.evidence.save("scan.pdf", ContentFile(data), save=False)
        ballot.save(update_fields=["evidence"])
        url = reverse("deliberation:ballot_evidence", args=[ballot.community_id, ballot.topic_id, ballot.pk])
        line = " ".join([url, manager.phone, hashlib.sha256(data).hexdigest(), DEMO_PASSWORD])
        open(os.environ["SMOKE_EVIDENCE"], "w").write(line + "\n")
        break
' >"$TMP/shell.log" 2>&1
read -r EVIDENCE_URL EVIDENCE_PHONE EVIDENCE_SHA DEMO_PASSWORD <"$TMP/evidence" || true
say "  a ballot scan at ${EVIDENCE_URL:-(none)} for ${EVIDENCE_PHONE:-nobody}"

# ------------------------------------------------------------------------------------------------ the services
# The same commands as gongzhi-web.service, gongzhi-worker.service (with its ExecStartPre) run.
deploy/bin/gongzhi-schedule >"$TMP/schedule.log" 2>&1
deploy/bin/gongzhi-web >"$TMP/web.log" 2>&1 &
pids+=($!)
deploy/bin/gongzhi-worker >"$TMP/worker.log" 2>&1 &
pids+=($!)

# nginx: deploy/nginx/gongzhi.conf with only its marked values replaced (ports, host name, certificate, var dir,
# app server), inside a main configuration of this run's own (prefix, pid, logs, temp paths).
sed -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
  -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
  -e '/listen \[::\]/d' \
  -e "s#gongzhi\.example\.org#$HOST#g" \
  -e "s#https://\$server_name\$request_uri#https://\$server_name:$HTTPS_PORT\$request_uri#" \
  -e "s#/etc/gongzhi/tls/#$TMP/tls/#g" \
  -e "s#/var/lib/gongzhi/#$TMP/var/#g" \
  -e "s#/var/www/letsencrypt#$TMP/acme#g" \
  -e "s#127\.0\.0\.1:8001#127.0.0.1:$APP_PORT#" \
  deploy/nginx/gongzhi.conf >"$TMP/site.conf"
for value in ":$HTTPS_PORT ssl" ":$HTTP_PORT;" "$TMP/tls/fullchain.pem" "alias $TMP/var/static/" \
  "alias $TMP/var/media/" "127.0.0.1:$APP_PORT"; do
  grep -qF "$value" "$TMP/site.conf" || { say "deploy/nginx/gongzhi.conf no longer has what the smoke replaces ($value)"; exit 1; }
done
mkdir -p "$TMP/nginx-temp"
cat >"$TMP/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user www-data;")
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $TMP/nginx-access.log;
    client_body_temp_path $TMP/nginx-temp/body;
    proxy_temp_path $TMP/nginx-temp/proxy;
    fastcgi_temp_path $TMP/nginx-temp/fastcgi;
    uwsgi_temp_path $TMP/nginx-temp/uwsgi;
    scgi_temp_path $TMP/nginx-temp/scgi;
    include $TMP/site.conf;
}
EOF
nginx -t -q -p "$TMP/" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log"
nginx -p "$TMP/" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log"

# Each gunicorn worker loads the app on its first request: wait for both before timing anything through nginx.
ready=0
for _ in $(seq 1 120); do
  if curl -s -o /dev/null --max-time 30 -H "Host: $HOST" -H "X-Forwarded-Proto: https" \
    "http://127.0.0.1:$APP_PORT/login/"; then
    ready=$((ready + 1))
    [ "$ready" -ge 4 ] && break
  else
    sleep 0.5
  fi
done
[ "$ready" -ge 4 ] || { say "the app server did not start"; exit 1; }

# ------------------------------------------------------------------------------------------------ the checks
BASE="https://$HOST:$HTTPS_PORT"
CURL=(curl -sS --max-time 20 --resolve "$HOST:$HTTPS_PORT:127.0.0.1" --resolve "$HOST:$HTTP_PORT:127.0.0.1"
  --cacert "$TMP/tls/fullchain.pem")
JAR="$TMP/cookies"
# get URL [curl options...]: body in $TMP/body, headers in $TMP/headers, status echoed
get() { local url=$1; shift; "${CURL[@]}" -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@" "$url"; }
header() { { grep -i "^$1:" "$TMP/headers" || true; } | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
has_chinese() { grep -qP '[\x{4e00}-\x{9fff}]' "$1"; }

say "Checks ($(( SECONDS - started )) s so far):"
check "manage.py check --deploy passes with this environment" \
  bash -c "'$PY' manage.py check --deploy --fail-level WARNING >'$TMP/check-deploy.log' 2>&1 || { cat '$TMP/check-deploy.log'; false; }"
say "Through nginx:"
status=$(get "http://$HOST:$HTTP_PORT/login/")
check "http redirects to https ($status → $(header Location))" \
  test "$status" = 301 -a "$(header Location)" = "$BASE/login/"

# /healthz answers once the worker has written its heartbeat.
health=000
for _ in $(seq 1 40); do
  health=$(get "$BASE/healthz")
  [ "$health" = 200 ] || [ "$health" = 404 ] && break
  sleep 0.5
done
if [ "$health" = 404 ]; then
  skip "/healthz: not built on this branch yet (the health check of issue 15), skipped"
else
  check "/healthz is 200 with the database, cache and worker ok ($health)" \
    bash -c "[ $health = 200 ] && grep -q '\"worker\": *\"ok\"' '$TMP/body'"
fi

status=$(get "$BASE/login/" -c "$JAR" -b "$JAR")
cp "$TMP/body" "$TMP/login.html"
check "the login page answers 200 ($status)" test "$status" = 200
# HSTS and the CSP come from the app's settings (GONGZHI_HTTPS=1, the CSP middleware), not from nginx.
for h in Strict-Transport-Security Content-Security-Policy X-Content-Type-Options Referrer-Policy X-Frame-Options; do
  value=$(header "$h")
  check "$h: ${value:-(missing)}" test -n "$value"
done
csp=$(header Content-Security-Policy)
check "the CSP allows no inline script" bash -c "! grep -q \"unsafe-inline\" <<<\"\$(grep -o 'script-src[^;]*' <<<'$csp')\""

static=$({ grep -oE '/static/[^"]+\.[0-9a-f]{12}\.(css|js)' "$TMP/login.html" || true; } | head -n 1)
if [ -z "$static" ]; then
  fail "the login page links a static file with a hashed name"
else
  status=$(get "$BASE$static")
  cache=$(header Cache-Control)
  check "hashed static file $static: $status, Cache-Control: $cache" \
    bash -c "[ $status = 200 ] && grep -q 'max-age=315360000' <<<'$cache' && grep -q immutable '$TMP/headers'"
fi
status=$(get "$BASE/media/ballots/anything.pdf")
check "/media/ is no public path ($status)" test "$status" = 404
status=$(get "$BASE/_protected/ballots/anything.pdf")
check "/_protected/ cannot be asked for directly ($status)" test "$status" = 404

token=$({ grep -oE 'name="csrfmiddlewaretoken" value="[^"]+"' "$TMP/login.html" || true; } | head -n 1 | sed 's/.*value="//; s/"$//')
if [ -z "${EVIDENCE_URL:-}" ]; then
  fail "the demo has a ballot whose organiser can see its scan"
else
  status=$(get "$BASE$EVIDENCE_URL")
  check "a ballot scan without a session is refused ($status)" bash -c "[[ $status =~ ^(302|403|404)$ ]]"
  status=$(get "$BASE/login/" -c "$JAR" -b "$JAR" -H "Referer: $BASE/login/" -H "Origin: $BASE" \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "phone=$EVIDENCE_PHONE" \
    --data-urlencode "password=$DEMO_PASSWORD")
  check "signs in as $EVIDENCE_PHONE through nginx ($status → $(header Location))" \
    bash -c "[ $status = 302 ] && ! grep -q '/login/' <<<'$(header Location)'"
  status=$(get "$BASE$EVIDENCE_URL" -b "$JAR")
  sha=$(sha256sum "$TMP/body" | cut -d' ' -f1)
  check "with the organiser's session the scan is served via X-Accel ($status, the same bytes)" \
    bash -c "[ $status = 200 ] && [ $sha = $EVIDENCE_SHA ] && ! grep -qi '^X-Accel-Redirect' '$TMP/headers'"
  check "… as a download ($(header Content-Disposition))" bash -c "grep -q attachment <<<'$(header Content-Disposition)'"
  check "… sandboxed ($(header Content-Security-Policy))" bash -c "grep -q sandbox <<<'$(header Content-Security-Policy)'"
  check "… never sniffed ($(header X-Content-Type-Options))" test "$(header X-Content-Type-Options)" = nosniff
  status=$(get "$BASE/" -b "$JAR" -L)
  check "a signed-in page answers 200 ($status, $(grep -o '<title>[^<]*' "$TMP/body" | head -n 1 | cut -c8-))" \
    test "$status" = 200
fi

status=$(get "$BASE/no-such-page-smoke/" -b "$JAR")
check "an unknown page is a 404 in Chinese ($status)" \
  bash -c "[ $status = 404 ] && grep -qP '[\x{4e00}-\x{9fff}]' '$TMP/body' && ! grep -q 'Page not found' '$TMP/body'"
status=$(get "$BASE/login/" -H "Host: evil.example")
check "a request with a wrong Host is refused ($status)" test "$status" = 400
status=$(get "$BASE/smoke/fault/")
check "a fault is a 500 without a traceback ($status)" \
  bash -c "[ $status = 500 ] && ! grep -qiE 'traceback|RuntimeError|deliberate fault|\.py' '$TMP/body'"
check "… and its page is in Chinese" has_chinese "$TMP/body"
check "the task worker is running" kill -0 "${pids[2]}"

say "Faults:"
# PostgreSQL restarted: every connection of the app is cut, as a restart cuts them. The kept connections are
# checked before use (CONN_HEALTH_CHECKS), so the next requests reconnect without restarting the app server.
psql "$PG_SMOKE_URL" -qAtc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
  WHERE datname = '$SMOKE_DB' AND pid <> pg_backend_pid()" >"$TMP/terminated" 2>&1 || true
ok=0
for _ in 1 2 3 4; do [ "$(get "$BASE/" -b "$JAR" -L)" = 200 ] && ok=$((ok + 1)); done
check "after PostgreSQL cut $(cat "$TMP/terminated") connections, signed-in pages still answer 200 ($ok/4)" \
  test "$ok" = 4
# Redis stopped mid-run: pages answer from the database; the health check says the cache is down.
kill -TERM "${pids[0]}" 2>/dev/null; wait "${pids[0]}" 2>/dev/null || true
status=$(get "$BASE/" -b "$JAR" -L)
check "with Redis stopped, a signed-in page still answers 200 ($status)" test "$status" = 200
status=$(get "$BASE/healthz")
check "… and /healthz says 503, cache down ($status $(tr -d '\n' <"$TMP/body"))" \
  bash -c "[ $status = 503 ] && grep -q '\"cache\": *\"down\"' '$TMP/body'"

say "$(( SECONDS - started )) s."
if [ "$failures" != 0 ]; then say "$failures check(s) failed."; exit 1; fi
say "All checks passed."
