#!/bin/bash
# Measures issue 17's procedural figure: the scale workload (`leaky bench`'s
# workload/scale: 1000 Poisson inputs at 5 Hz onto n seed neurons, weights
# regenerated at every spike, one thread) by this checkout's leaky against
# leaky at BASE, the commit before the vectorised normal generator (its
# weights came from a scalar ziggurat fed by wyrand, one number at a time).
# Both are built here from the same repository and run alternately, count
# rounds in one sitting; each run prints one line per size with the
# figure's median over its repetitions.
#   bench/procedural/run.sh [count] > bench/procedural/results.txt
# Needs the repository's history (a full clone). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-3}
BASE=${BASE:-2a233e5^}
PY=/usr/bin/python3
. bench/ablib.sh
ab_leaky "$BASE"
ab_machine
echo "base=$(git rev-parse --short "$BASE") head=$(git rev-parse --short HEAD) count=$COUNT"
for run in $(seq 1 "$COUNT"); do
	for build in base head; do
		"$tmp/$build.leaky" bench --filter 'workload/scale/n=[0-9]+/threads=1$' --time-budget 20s --json "$tmp/r.json" >/dev/null 2>&1
		"$PY" - "$tmp/r.json" "$build" "$run" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["figures"]:
    if f["name"] == "scale" and f["threads"] == 1:
        print(f"procedural build={sys.argv[2]} run={sys.argv[3]} n={f['n']} "
              f"neuron_steps_per_s={f['median']:.0f} spread={f['spread']:.3f}")
PYEOF
	done
done
