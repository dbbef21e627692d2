#!/bin/bash
# A/B of Go benchmarks between a commit and this checkout, in one sitting:
# both packages' test binaries are built here from the same repository
# and run alternately, rounds times in both orders (base then head, head
# then base), so that a host slowing down or speeding up meets both. Each
# run prints its benchmark lines prefixed with the build's name; the
# medians of each benchmark's last value column (ns/op, or the last
# metric a benchmark reports, such as wall-s/sim-s) come at the end.
#   bench/ab.sh BASE PACKAGE REGEXP [rounds] [benchtime]
# e.g. bench/ab.sh 15969b0 ./bench 'BenchmarkCUBALarge/n=40000/threads=1' 3 3x
# Needs the repository's history (a full clone). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 3 ]; then
	echo "usage: bench/ab.sh BASE PACKAGE REGEXP [rounds] [benchtime]" >&2
	exit 2
fi
BASE=$1 PKG=$2 RE=$3 ROUNDS=${4:-3} BT=${5:-1s}
. bench/ablib.sh
ab_tree "$BASE"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" "$PKG")
go test -c -o "$tmp/head.test" "$PKG"
ab_machine
echo "base=$(git rev-parse --short "$BASE") head=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes') pkg=$PKG bench=$RE rounds=$ROUNDS benchtime=$BT"
# The test binaries run in the package's directory, as go test runs them.
dir=$(go list -f '{{.Dir}}' "$PKG")
for round in $(seq 1 "$ROUNDS"); do
	for build in base head head base; do
		(cd "$dir" && "$tmp/$build.test" -test.run '^$' -test.bench "$RE" -test.benchtime "$BT" -test.count 1) |
			grep '^Benchmark' | sed "s/^/$build round=$round /"
	done
done | tee "$tmp/runs.txt"
echo "== medians of the last value column"
awk '{k=$1" "$3; v[k]=v[k]" "$(NF-1)} END{for (k in v) print k, v[k]}' "$tmp/runs.txt" | sort -k2,2 -k1,1 |
	while read -r build name values; do
		med=$(printf '%s\n' $values | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
		echo "$build $name median=$med runs=$(echo $values | wc -w)"
	done
