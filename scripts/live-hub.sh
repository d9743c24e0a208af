#!/usr/bin/env bash
# Black-box check of the live hub: starts `hangar serve` on a fresh data directory and, using only
# HTTP and the sorter TCP protocol, uploads a generated schedule and manifest, reads a customs
# decision, posts ARR and RCF scans, sorts through the sort host with the sorter emulator, opens,
# loads and closes a truck, then checks the handover, the carrier's manifest through the egress
# gate (an EXP entry) and `hangar audit verify`. Exits non-zero on the first thing that is wrong.
#
#   scripts/live-hub.sh [path/to/hangar]        (default: target/release/hangar)
set -euo pipefail
HANGAR=$(realpath "${1:-target/release/hangar}")
ROOT=$(realpath "$(dirname "$0")/..")
WORK=$(mktemp -d)
HTTP_PORT=${HTTP_PORT:-18480}
SORT_PORT=${SORT_PORT:-17470}
URL="http://127.0.0.1:$HTTP_PORT"
cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() { [ -n "${SERVE_PID:-}" ] && kill "$SERVE_PID" 2>/dev/null || true; }
trap cleanup EXIT

DAY=$(date -u +%F)
"$HANGAR" generate --date "$DAY" --parcels 400 --flights 1 --seed 11 --out files >/dev/null 2>&1
# Each carrier route of the built-in plan gets a declared flow to a local outbox.
python3 - "$ROOT/crates/sort/data/route-plan.toml" "$WORK/outbox" > flows.toml <<'PY'
import sys, tomllib
plan = tomllib.load(open(sys.argv[1], "rb"))
print('version = "live-hub check"')
for r in plan["route"]:
    print(f'''
[[flow]]
id = "carrier-{r['id']}"
kind = "carrier_manifest"
recipient = "{r['carrier']}"
endpoint = "file://{sys.argv[2]}/{r['id']}"
jurisdiction = "{r['country']}"
legal_basis = "GDPR Art. 6(1)(b): delivering the buyer's parcel"
purpose = "last-mile delivery"
fields = ["parcel.id", "consignee.name", "consignee.address", "consignee.postcode", "consignee.country", "parcel.weight", "truck.id", "route.id"]
max_records_per_day = 500000''')
PY
mkdir -p outbox
"$HANGAR" serve --data data --listen "127.0.0.1:$HTTP_PORT" --sorter-listen "127.0.0.1:$SORT_PORT" \
  --register files/ioss-register.csv --initial-flows flows.toml > serve.out 2> serve.err &
SERVE_PID=$!
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$URL/healthz" >/dev/null || { cat serve.err; fail "the service did not start"; }

# The first administrator's password is printed once, on the first start. Everyone signs in
# as themselves; the administrator adds the dock terminal, which signs in for its own token.
ADMIN_PW=$(sed -n 's/.*sign in as admin with password \([^ ]*\).*/\1/p' serve.out)
[ -n "$ADMIN_PW" ] || fail "the first start printed no administrator's password"
ADM=$(echo "$ADMIN_PW" | "$HANGAR" login --url "$URL" --login admin --print) || fail "admin login"
DOCK_PW=$(HANGAR_TOKEN=$ADM "$HANGAR" users add dock-1 --role device --url "$URL" | sed -n 's/^password (shown once): //p')
[ -n "$DOCK_PW" ] || fail "adding the dock terminal"
DEV=$(echo "$DOCK_PW" | "$HANGAR" login --url "$URL" --login dock-1 --print) || fail "device login"
dev() { curl -s -H "Authorization: Bearer $DEV" "$@"; }
adm() { curl -s -H "Authorization: Bearer $ADM" "$@"; }

code=$(dev -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: text/csv' --data-binary @files/schedule.csv "$URL/api/manifests?name=schedule.csv")
[ "$code" = 201 ] || fail "schedule upload: $code"
M=$(ls files/manifests | head -1)
code=$(dev -o receipt.json -w '%{http_code}' -XPOST -H 'content-type: text/csv' --data-binary "@files/manifests/$M" "$URL/api/manifests?name=$M")
[ "$code" = 201 ] || fail "manifest upload: $code $(cat receipt.json)"
echo "manifest: $(cat receipt.json)"
read -r FLIGHT ULD < <(python3 -c "import csv;r=next(csv.DictReader(open('files/manifests/$M')));print(r['flight']+'/'+r['flight_date'], r['uld'])")
ULDS=$(python3 -c "import csv;print(' '.join(sorted({r['uld'] for r in csv.DictReader(open('files/manifests/$M'))})))")
IDS=$(python3 -c "import csv;print(' '.join(sorted({r['parcel_id'] for r in csv.DictReader(open('files/manifests/$M'))})))")
FIRST=${IDS%% *}
adm "$URL/api/customs/decisions/$FIRST" | grep -q '"code":"\(CCD\|RFI\|HLD\|RTS\)"' || fail "no customs decision for $FIRST"

# Scans happen after the manifest arrived (a scan stamped before its parcel's manifest does not
# fit the parcel's life and is refused).
sleep 0.01
NOW=$(python3 -c "import datetime;print(datetime.datetime.now(datetime.UTC).isoformat(timespec='milliseconds').replace('+00:00','Z'))")
BATCH=$(python3 -c "
import json,sys
items=[{'code':'ARR','flight':'$FLIGHT','at':'$NOW','location':'LGG','device':'dock-1'}]
items+=[{'code':'RCF','flight':'$FLIGHT','uld':u,'at':'$NOW','location':'LGG/BREAKDOWN-1','device':'dock-1'} for u in '$ULDS'.split()]
print(json.dumps(items))")
code=$(dev -o scans.json -w '%{http_code}' -XPOST -H 'content-type: application/json' -d "$BATCH" "$URL/api/scans")
[ "$code" = 201 ] || fail "scans: $code $(head -c 500 scans.json)"
code=$(dev -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: application/json' -d "$BATCH" "$URL/api/scans")
[ "$code" = 409 ] || [ "$code" = 422 ] || fail "the same batch again was not refused: $code"

# The sorters: the emulator asks the sort host for each parcel's chute and confirms discharges.
"$HANGAR" sorter emulate --connect "127.0.0.1:$SORT_PORT" --data data --rate 400 --duration 4 --json > emulate.json
echo "sorters: $(cat emulate.json)"

# A released parcel at its chute, and its route.
PICK=""
for id in $IDS; do
  s=$(adm "$URL/api/parcels/$id")
  r=$(python3 -c "import json,sys;d=json.loads(sys.argv[1]);s=d.get('state') or {};print(s.get('route') or '' if s.get('stage')=='at_chute' and s.get('customs')=='released' else '')" "$s")
  if [ -n "$r" ]; then PICK=$id; ROUTE=$r; break; fi
done
[ -n "$PICK" ] || fail "no released parcel reached a chute"
T=$(dev -XPOST -H 'content-type: application/json' -d "{\"route\":\"$ROUTE\",\"dock\":\"03\",\"departs\":\"$NOW\"}" "$URL/api/trucks")
TID=$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['id'])" "$T") || fail "open truck: $T"
code=$(dev -o load.json -w '%{http_code}' -XPOST -H 'content-type: application/json' -d "{\"parcels\":[\"$PICK\"]}" "$URL/api/trucks/$TID/load")
[ "$code" = 200 ] || fail "load: $code $(cat load.json)"
dev -XPOST "$URL/api/trucks/$TID/close" > close.json
grep -q '"status":"sent"' close.json || fail "carrier manifest not sent: $(cat close.json)"
# The screens follow the store a moment behind: wait for the handover to show.
for _ in $(seq 1 50); do adm "$URL/api/parcels/$PICK" | grep -q '"stage":"handed_over"' && break; sleep 0.2; done
adm "$URL/api/parcels/$PICK" | grep -q '"stage":"handed_over"' || fail "$PICK not handed over: $(adm "$URL/api/parcels/$PICK" | head -c 600)"
echo "truck: $(cat close.json)"

kill -INT "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
"$HANGAR" audit verify --log data --key data/keys/log.pub > verify.out || { cat verify.out; fail "audit verify"; }
grep -rq . outbox || fail "nothing in the carrier's outbox"
python3 - data/log/entries.dat <<'PY' || fail "no EXP entry in the log"
import sys
raw = open(sys.argv[1], "rb").read()
sys.exit(0 if b'"code":"EXP"' in raw else 1)
PY
echo "live hub: OK (upload, customs at intake, scans, sorting, truck, handover, export, log verified)"
