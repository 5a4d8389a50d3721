#!/usr/bin/env bash
# A local high-availability demo (docs/high-availability.md): a 3-node JetStream cluster of
# the system's nats-server on loopback, and two replicated sidecars with failover, A and B.
# The first to start (A) becomes active; B follows the journal as a warm standby.
# With `owners`, two active owners instead (docs/high-availability.md, "Several active
# owners"): A owns shards 0-7 and B shards 8-15 of 16, each with a standby (A2, B2).
#
#   scripts/ha-demo.sh         # Ctrl-C stops everything
#   scripts/ha-demo.sh owners  # A + A2 on shards 0-7, B + B2 on shards 8-15
#
# Ports: NATS clients 14222-14224 (routes 16222-16224, monitoring 18222-18224), sidecars
# 127.0.0.1:50061 (A) and 127.0.0.1:50062 (B), their metrics and consoles on 19461 and 19462
# (owners: A2 on 50063 / 19463 and B2 on 50064 / 19464 too).
# Logs and data go to a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
NATS_SERVER="${NATS_SERVER:-/usr/sbin/nats-server}"
MODE="${1:-pair}"
case "$MODE" in pair | owners) ;; *) echo "usage: $0 [owners]" >&2; exit 2 ;; esac
DIR="$(mktemp -d -t openpit-ha-demo-XXXXXX)"
PIDS=()
cleanup() {
  echo "stopping (logs kept in $DIR)"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for i in 0 1 2; do
  routes=""
  for j in 0 1 2; do [ "$j" != "$i" ] && routes="$routes \"nats-route://127.0.0.1:$((16222 + j))\","; done
  mkdir -p "$DIR/n$i"
  cat >"$DIR/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:$((14222 + i))
http: 127.0.0.1:$((18222 + i))
jetstream { store_dir: "$DIR/n$i" }
cluster { name: openpit-demo, listen: 127.0.0.1:$((16222 + i)), routes: [$routes ] }
CONF
  "$NATS_SERVER" -c "$DIR/n$i.conf" >"$DIR/n$i.log" 2>&1 &
  PIDS+=($!)
done
echo "waiting for the JetStream cluster..."
ready=""
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:18222/healthz?js-enabled-only=true" >/dev/null 2>&1 &&
     curl -sf http://127.0.0.1:18222/jsz | grep -q '"leader"'; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "the cluster did not become ready; see $DIR/n*.log" >&2; exit 1; }

sidecar_config() { # name port metrics-port [shards, a JSON list; default "all"]
  local shards="${4:-}"
  [ -n "$shards" ] || shards='"all"'
  cat <<JSON
{
  "listen": "127.0.0.1:$2",
  "metrics": { "listen": "127.0.0.1:$3" },
  "marketData": { "instruments": [{ "id": 1, "underlyingAsset": "AAPL", "settlementAsset": "USD" }] },
  "accounts": { "defaultCurrency": "USD" },
  "policies": [{ "type": "OrderValidationPolicy" }, { "type": "SpotFundsPolicy", "settings": {} }],
  "durability": { "mode": "replicated" },
  "replication": { "servers": ["nats://127.0.0.1:14222", "nats://127.0.0.1:14223", "nats://127.0.0.1:14224"], "instanceId": "$1", "shardCount": 16 },
  "ownership": { "advertisedAddress": "127.0.0.1:$2", "leaseTtlMs": 2000, "shards": $shards }
}
JSON
}
start_sidecar() { # name port metrics-port [shards]
  sidecar_config "$1" "$2" "$3" "${4:-}" >"$DIR/$1.json"
  node --import tsx src/main.ts --config "$DIR/$1.json" >"$DIR/$1.log" 2>&1 &
  PIDS+=($!)
  echo "sidecar $1: pid $!, 127.0.0.1:$2, metrics and console on http://127.0.0.1:$3, log $DIR/$1.log"
}
if [ "$MODE" = owners ]; then
  LOW="[0,1,2,3,4,5,6,7]"
  HIGH="[8,9,10,11,12,13,14,15]"
  start_sidecar A 50061 19461 "$LOW"
  start_sidecar B 50062 19462 "$HIGH"
  sleep 4
  start_sidecar A2 50063 19463 "$LOW"
  start_sidecar B2 50064 19464 "$HIGH"
  sleep 4
  cat <<TXT

Two active owners: A (shards 0-7, standby A2) and B (shards 8-15, standby B2). A command on
an account of B's shards sent to A is refused NOT_OWNER naming 127.0.0.1:50062.
Watch the roles:   tail -f $DIR/A.log $DIR/A2.log $DIR/B.log
Fail over a group: kill -9 <A's pid>   (A2 serves shards 0-7 within ~2 s; B never stops)
TXT
else
  start_sidecar A 50061 19461
  sleep 4
  start_sidecar B 50062 19462
  sleep 4
  cat <<TXT

Watch the roles:   tail -f $DIR/A.log $DIR/B.log
Fail over:         kill -9 <A's pid>   (B serves within ~2 s: "took over shards ...")
TXT
fi
cat <<TXT
Cluster:           nats://127.0.0.1:14222,14223,14224 (monitoring http://127.0.0.1:18222/jsz)
Hand over:         AdminService.StepDown on an active, e.g. (buf curl comes with the project's npm packages)
                   npx buf curl --protocol grpc --http2-prior-knowledge -d '{}' http://127.0.0.1:50061/openpit.sidecar.v1.AdminService/StepDown
Who owns what:     AdminService.GetReplicationStatus on any, or the gauges openpit_replication_*
                   at http://127.0.0.1:19461/metrics, :19462/metrics, ... (consoles at /console)
Ctrl-C stops everything.
TXT
wait
