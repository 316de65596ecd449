#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: tools/testing/numaclaim/nc_bench.c in the NUMA box with the
# VM kit (numabox.sh -V, topology vm2node: two nodes of 1536 MiB), on every
# kernel of KVERS, then the ledger's own benchmark in KUnit. Prints each
# kernel's table and writes its figures to build/bench/KVER.json (and the
# box's whole output to build/bench/KVER.log).
#
# BENCH_MB (256), BENCH_NODE (1), BENCH_REPS (5), BENCH_ITERS (20000)
# set nc_bench's -s, -n, -r and -i; BENCH_KUNIT=0 skips the KUnit part.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvers=${KVERS:-$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$|^6\.12\.[0-9]+\+deb12-amd64$' | sort -V)}
mb=${BENCH_MB:-256}
node=${BENCH_NODE:-1}
reps=${BENCH_REPS:-5}
iters=${BENCH_ITERS:-20000}
out=$top/build/bench
mkdir -p "$out"

failed=0
for k in $kvers; do
	log=$out/$k.log
	start=$(date +%s)
	echo "bench: $k: nc_bench -n $node -s $mb -r $reps -i $iters in the box"
	if "$top/scripts/numabox.sh" -V -q -k "$k" -t vm2node -T 1500 -- \
		"nc_bench -n $node -s $mb -r $reps -i $iters -Q qemu-system-x86_64" \
		> "$log" 2>&1; then
		sed -n '/^nc_bench: node/,/^three no-op ioctls it takes/p' "$log"
		sed -n 's/^# json //p' "$log" > "$out/$k.json"
		if python3 -m json.tool "$out/$k.json" > /dev/null 2>&1; then
			echo "bench: $k: done in $(( $(date +%s) - start ))s; figures in ${out#"$top"/}/$k.json"
		else
			failed=$((failed + 1))
			echo "bench: $k: no valid JSON in ${out#"$top"/}/$k.json"
		fi
	else
		failed=$((failed + 1))
		echo "bench: $k: FAILED after $(( $(date +%s) - start ))s"
		grep -E '^nc_bench|^numabox:' "$log" | head -40
	fi
done

if [ "${BENCH_KUNIT:-1}" != 0 ]; then
	echo "bench: the ledger alone (KUnit, UML)"
	if ! "$top/scripts/kunit.sh" bench > "$out/kunit.log" 2>&1; then
		failed=$((failed + 1))
		tail -30 "$out/kunit.log"
	fi
	grep -E 'lb_ledger: ' "$top/build/kunit-bench/test.log" |
		sed 's/^ *# lb_ledger: /bench:   /'
	# The same figures as JSON: ns per operation, median, min and max.
	if python3 - "$top/build/kunit-bench/test.log" > "$out/kunit.json" <<'PY'
import json, re, sys
rows = []
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"lb_ledger: (.+?) +(\d+) ns per op \(min (\d+), max (\d+)\)", line)
    if m:
        rows.append({"name": m.group(1), "unit": "ns", "median": int(m.group(2)),
                     "min": int(m.group(3)), "max": int(m.group(4))})
if not rows:
    sys.exit("no lb_ledger figures")
json.dump({"group": "ledger", "rows": rows}, sys.stdout)
print()
PY
	then
		echo "bench: ledger figures in ${out#"$top"/}/kunit.json"
	else
		failed=$((failed + 1))
	fi
fi
[ "$failed" -eq 0 ]
