#!/bin/bash
# A/B of `leaky run` between a commit and this checkout, in one sitting:
# both binaries are built here from the same repository and run with the
# same arguments alternately, rounds times in both orders (base then head,
# head then base). Each run prints its process time and summary.json's
# stepping and setup seconds; the medians of each come at the end. The
# first run of a fresh machine pays for first-touching its memory: rounds
# of 3 or more keep it from the medians.
#   bench/ab-run.sh BASE ROUNDS [leaky run flags…]
# e.g. workload d on two threads:
#   bench/ab-run.sh e23d29e 4 --n-inputs 1000 --rate 5 --neurons 200000 --seed 1 --steps 1000 --record spikes --threads 2
# Needs the repository's history (a full clone) and python3 for the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
	echo "usage: bench/ab-run.sh BASE ROUNDS [leaky run flags…]" >&2
	exit 2
fi
BASE=$1 ROUNDS=$2
shift 2
. bench/ablib.sh
ab_leaky "$BASE"
ab_machine
echo "base=$(git rev-parse --short "$BASE") head=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes') rounds=$ROUNDS args=$*"
for round in $(seq 1 "$ROUNDS"); do
	for build in base head head base; do
		out="$tmp/out"
		rm -rf "$out"
		t0=$(date +%s.%N)
		"$tmp/$build.leaky" run "$@" --out "$out" >/dev/null
		t1=$(date +%s.%N)
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("%s round=%s process_s=%.4f wall_s=%.4f setup_s=%.4f" % (sys.argv[2], sys.argv[3], float(sys.argv[5]) - float(sys.argv[4]), d["wall_seconds"], d["setup_seconds"]))
' "$out/summary.json" "$build" "$round" "$t0" "$t1"
	done
done | tee "$tmp/runs.txt"
echo "== medians"
for build in base head; do
	for field in process_s wall_s setup_s; do
		med=$(grep "^$build " "$tmp/runs.txt" | tr ' ' '\n' | sed -n "s/^$field=//p" | sort -g |
			awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
		echo "$build $field median=$med runs=$(grep -c "^$build " "$tmp/runs.txt")"
	done
done
