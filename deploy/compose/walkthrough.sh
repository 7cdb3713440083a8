#!/usr/bin/env bash
# The failover walk-through on containers: builds the image if missing, starts compose.yaml's
# three controllers and three brokers (podman-compose), writes 100 records to a 3-partition
# topic, kills (SIGKILL) the broker leading partition 0, waits for a new leader and reports how
# long the move took, writes 100 more, reads everything back and checks that all 200 records are
# there once, then restarts the killed broker and waits for it to rejoin the ISR. Exits non-zero
# on any failed check. KEEP=1 leaves the cluster running; otherwise it is removed with its volumes.
#
#   deploy/compose/walkthrough.sh
#
# Needs podman and podman-compose. Where the container runtime may not raise resource limits
# (some sandboxes refuse setrlimit), WHARF_PODMAN_CONF names a containers.conf to use instead,
# e.g. one that sets runtime = "runc" and default_ulimits no higher than the current hard limits.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd "$HERE/../.." && pwd -P)"
IMAGE="${WHARF_IMAGE:-localhost/wharf:dev}"
PROJECT=wharf
NETWORK="${PROJECT}_default"
CONTROLLERS=controller-1:9093,controller-2:9093,controller-3:9093
BROKERS=broker-1:9092,broker-2:9092,broker-3:9092
TOPIC=walkthrough
if [[ -n "${WHARF_PODMAN_CONF:-}" ]]; then
  export CONTAINERS_CONF="$WHARF_PODMAN_CONF"
fi
export WHARF_IMAGE="$IMAGE"

compose() { podman-compose -p "$PROJECT" -f "$HERE/compose.yaml" "$@"; }
# The CLI in a throwaway container on the cluster's network (node names resolve there).
cli() { podman run --rm -i --network "$NETWORK" "$IMAGE" cli "$@"; }
say() { printf '\n== %s\n' "$*"; }
fail() { echo "walkthrough: FAILED: $*" >&2; exit 1; }
# Milliseconds since midnight UTC, now or of a HH:MM:SS.mmm log time (the nodes log in UTC).
ms_of_day() {
  local t="${1:-$(date -u +%H:%M:%S.%3N)}"
  echo $(( (10#${t:0:2} * 3600 + 10#${t:3:2} * 60 + 10#${t:6:2}) * 1000 + 10#${t:9:3} ))
}
# A field of partition $1 in `wharf topics describe` (tab-separated "Name: value" fields).
partition_field() { cli topics describe "$TOPIC" --bootstrap "$CONTROLLERS" 2>/dev/null \
  | awk -F'\t' -v p="Partition: $1" -v f="$2: " '$3 == p { for (i = 1; i <= NF; i++) if (index($i, f) == 1) print substr($i, length(f) + 1) }'; }
leader_of() { partition_field "$1" Leader; }
isr_of() { partition_field "$1" Isr; }
# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    (( $(date +%s) < deadline )) || return 1
    sleep 1
  done
}
brokers_active() { [[ "$(cli metadata --bootstrap "$CONTROLLERS" 2>/dev/null | grep -c ' active ')" == 3 ]]; }

cleanup() {
  if [[ -z "${KEEP:-}" ]]; then
    compose down -v >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

if ! podman image exists "$IMAGE"; then
  say "building $IMAGE"
  "$ROOT/deploy/container/build-image.sh" "$IMAGE"
fi

say "starting 3 controllers and 3 brokers"
compose down -v >/dev/null 2>&1 || true
mkdir -p "$ROOT/deploy/target"
compose up -d >"$ROOT/deploy/target/compose-up.log" 2>&1 \
  || { cat "$ROOT/deploy/target/compose-up.log" >&2; fail "podman-compose up failed"; }
wait_for 120 brokers_active || fail "the brokers did not all become active within 120 s"
cli metadata --bootstrap "$CONTROLLERS" | sed -n '1,12p'

say "a topic with 3 partitions, 3 replicas each; 100 records"
cli topics create "$TOPIC" --partitions 3 --replication-factor 3 --bootstrap "$CONTROLLERS"
seq 1 100 | sed 's/^/record-/' | cli produce "$TOPIC" --bootstrap "$BROKERS" >/dev/null
cli topics describe "$TOPIC" --bootstrap "$CONTROLLERS"

victim="$(leader_of 0)"
[[ -n "$victim" && "$victim" != "-1" ]] || fail "partition 0 has no leader"
say "kill -9 broker-$victim, the leader of partition 0"
killed_at="$(ms_of_day)"
podman kill --signal KILL "${PROJECT}_broker-${victim}_1" >/dev/null
moved() { local l; l="$(leader_of 0)"; [[ -n "$l" && "$l" != "-1" && "$l" != "$victim" ]]; }
wait_for 30 moved || fail "partition 0 got no new leader within 30 s"
successor="$(leader_of 0)"
# The new leader logs when it takes over; its time of day against the kill's gives the failover time.
took_over="$(podman logs "${PROJECT}_broker-${successor}_1" 2>&1 | grep "leads $TOPIC-0 at leader epoch" | tail -1 | cut -c1-12)"
echo "partition 0 is led by broker-$successor: it took over $(( $(ms_of_day "$took_over") - killed_at )) ms after the kill"

say "100 more records while broker-$victim is down"
seq 101 200 | sed 's/^/record-/' | cli produce "$TOPIC" --bootstrap "$BROKERS" >/dev/null
read_back="$(cli consume "$TOPIC" --from-beginning --timeout-ms 5000 --bootstrap "$BROKERS")"
expected="$(seq 1 200 | sed 's/^/record-/' | sort)"
[[ "$(sort <<<"$read_back")" == "$expected" ]] \
  || fail "read back $(wc -l <<<"$read_back") records, expected each of record-1..record-200 once"
echo "all 200 acknowledged records read back, each once"

say "restart broker-$victim; it rejoins the ISR"
podman start "${PROJECT}_broker-${victim}_1" >/dev/null
rejoined() { [[ "$(isr_of 0 | tr ',' '\n' | grep -c .)" == 3 ]]; }
wait_for 60 rejoined || fail "broker-$victim did not rejoin the ISR of partition 0 within 60 s"
cli topics describe "$TOPIC" --bootstrap "$CONTROLLERS"
say "walkthrough passed"
