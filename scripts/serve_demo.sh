#!/usr/bin/env bash
# Serves the demo with the background-task worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
# The 社情民意 sweep (reminders, 督办) reschedules itself every 15 minutes once one run is queued.
.venv/bin/python manage.py voices_schedule
# The time bank sweep (expired 核销 codes refunded) reschedules itself every hour once one run is queued.
.venv/bin/python manage.py timebank_sweep --schedule
# The worker stamps a heartbeat every minute for /healthz once one beat is queued.
.venv/bin/python manage.py heartbeat_schedule
.venv/bin/python manage.py db_worker --interval 0.5 --no-reload >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "gongzhi demo: http://127.0.0.1:8000  (task worker log: var/worker.log)"
.venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload
