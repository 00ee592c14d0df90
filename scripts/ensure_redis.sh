#!/usr/bin/env bash
# Debian's Redis for the tests: redis-server must be installed (the cache tests start throwaway servers of their
# own), and the PostgreSQL pass runs on the shared one at 127.0.0.1:6379, started here if nothing answers there.
# It keeps nothing on disk. Never stopped by the tests.
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing Debian's redis-server ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! answers; then
  mkdir -p /tmp/gongzhi-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/gongzhi-redis \
    --logfile /tmp/gongzhi-redis/redis.log
  for _ in $(seq 1 30); do answers && break; sleep 0.2; done
  answers || { echo "Redis did not start on 127.0.0.1:6379" >&2; exit 1; }
fi
echo "Redis ready on 127.0.0.1:6379"
