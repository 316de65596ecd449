#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the userspace selftests (numaclaim_test, file_test, hardening_test,
# then ctl_test.sh and params_test.sh) in the NUMA box on every kernel and
# topology: the 6.1 and 6.12 kernels
# (KVERS, as the Makefile finds them) on the 2-node, 4-node and
# memoryless/CPU-less (cxl) topologies. Each run also checks the guest's
# kernel log, rmmod, and that free memory comes back.
# Then nc_stress on the 4-node box of each kernel (STRESS_SECONDS, 20).
# Ends with "boxtests: N passed, M failed" (one per kernel and topology,
# and one stress run per kernel).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvers=${KVERS:-$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$|^6\.12\.[0-9]+\+deb12-amd64$' | sort -V)}
topos=${TOPOS:-2node 4node cxl}
logdir=$top/build/boxtests
mkdir -p "$logdir"

# shellcheck source=skips.sh
. "$top/scripts/skips.sh"

passed=0
failed=0
for k in $kvers; do
	for t in $topos; do
		log=$logdir/$k-$t.log
		start=$(date +%s)
		if "$top/scripts/numabox.sh" -q -k "$k" -t "$t" -- \
			'numaclaim_test && file_test && hardening_test && ctl_test.sh &&
			 params_test.sh' > "$log" 2>&1 &&
		   [ -z "$(unexpected_skips "$log" "$k" "$t")" ]; then
			res=passed
			passed=$((passed + 1))
		else
			res=FAILED
			failed=$((failed + 1))
		fi
		totals=$(grep '^# Totals' "$log" | sed 's/^# Totals: //' | paste -sd'+' || true)
		[ -n "$totals" ] || totals="no totals"
		ctl=$(grep -m1 '^# ctl_test:' "$log" || echo "# ctl_test: not run")
		par=$(grep -m1 '^# params_test:' "$log" || echo "# params_test: not run")
		echo "boxtests: $k $t: $res in $(( $(date +%s) - start ))s;" \
			"selftests $totals; ${ctl#\# }; ${par#\# }"
		if [ "$res" = FAILED ]; then
			# What failed first, then how the log ends.
			unexpected_skips "$log" "$k" "$t" | sed 's/^/skipped, not allowed: /'
			grep -E '^not ok|^# +FAIL|^#.*Expected|^numabox:' "$log" |
				head -30
			echo "boxtests: the end of $log:"
			tail -n 15 "$log"
		fi
	done
	# The stress program for a fixed time, on the 4-node box.
	log=$logdir/$k-stress.log
	start=$(date +%s)
	if "$top/scripts/numabox.sh" -q -k "$k" -t 4node -- \
		"nc_stress -t ${STRESS_SECONDS:-20}" > "$log" 2>&1; then
		res=passed
		passed=$((passed + 1))
	else
		res=FAILED
		failed=$((failed + 1))
	fi
	echo "boxtests: $k stress: $res in $(( $(date +%s) - start ))s;" \
		"$(grep -m1 'operations' "$log" | sed 's/^nc_stress: //')"
	if [ "$res" = FAILED ]; then
		grep -E '^nc_stress: FAIL|^numabox:' "$log" | head -20
		echo "boxtests: the end of $log:"
		tail -n 15 "$log"
	fi
done
echo "boxtests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
