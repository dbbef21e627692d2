# Sourced by the scripts that measure a commit against this checkout
# (bench/ab.sh, bench/ab-run.sh, bench/procedural/run.sh), from the
# repository's root, after set -euo pipefail.

# ab_tree BASE extracts commit BASE into $tmp/base, $tmp being a fresh
# temporary directory removed on exit.
ab_tree() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir "$tmp/base"
	git archive --format=tar "$1" | tar -x -C "$tmp/base"
}

# ab_leaky BASE builds leaky at BASE and at the checkout, as
# $tmp/base.leaky and $tmp/head.leaky.
ab_leaky() {
	ab_tree "$1"
	(cd "$tmp/base" && go build -o "$tmp/base.leaky" ./cmd/leaky)
	go build -o "$tmp/head.leaky" ./cmd/leaky
}

# ab_machine prints the lines that say where the figures come from: the
# CPU and the Go version.
ab_machine() {
	grep -m1 'model name' /proc/cpuinfo | sed 's/.*: /cpu: /'
	go version
}
