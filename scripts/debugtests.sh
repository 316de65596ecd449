#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make box-debug`: the debug kernel (scripts/debugkernel.sh: KASAN,
# lockdep, DEBUG_ATOMIC_SLEEP, KMEMLEAK, DEBUG_VM, PAGE_POISONING,
# failslab and fail_page_alloc), the module built against it, and in the
# NUMA box on it: the selftests with fault_test on the 2-node box, then
# nc_stress for DEBUG_STRESS_SECONDS (default 120) on the 4-node box. Each
# run fails on any kernel report in the guest's log, on rmmod failing, on
# memory not back and on kmemleak reporting anything after rmmod
# (scripts/numabox.sh -D). Not part of `make check`: the kernel build
# took 5 min 11 s on 2 cores, the two runs 5 min 30 s with 60 s of stress.
# Ends with "debugtests: N passed, M failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logdir=$top/build/debugtests
mkdir -p "$logdir"
"$top/scripts/debugkernel.sh" || exit 1

# shellcheck source=skips.sh
. "$top/scripts/skips.sh"

passed=0
failed=0
run() {
	local name=$1 log=$logdir/$1.log start res
	shift
	start=$(date +%s)
	if "$top/scripts/numabox.sh" -q -D "$top/build/debug-6.1" "$@" > "$log" 2>&1 &&
	   [ -z "$(unexpected_skips "$log" 6.1.debug 2node)" ]; then
		res=passed
		passed=$((passed + 1))
	else
		res=FAILED
		failed=$((failed + 1))
	fi
	echo "debugtests: $name: $res in $(( $(date +%s) - start ))s;" \
		"$(grep '^# Totals' "$log" | sed 's/^# Totals: //' | paste -sd'+')" \
		"$(grep -m1 'operations' "$log" | sed 's/^nc_stress: //')" \
		"$(grep -m1 '^numabox: kmemleak' "$log" | sed 's/^numabox: //')"
	grep -E '^# (insmod|open|claim|alloc|mmap|export|reopen|pool resize|sysfs resize):' "$log" |
		sed 's/^# /debugtests:   /'
	[ "$res" = passed ] ||
		unexpected_skips "$log" 6.1.debug 2node | sed 's/^/skipped, not allowed: /'
	[ "$res" = passed ] ||
		grep -E '^not ok|^#.*(FAIL|Expected)|^numabox:|^nc_stress: FAIL' "$log" | head -40
}
# Under KASAN and lockdep in TCG everything is several times slower.
# fault_test fails rather than skip when fault injection is missing. Its
# insmod case makes every allocation of a load fail in turn, the kernel's
# own among them: 6.1's event_define_fields() warns (WARN_ON_ONCE) when
# an allocation for a tracepoint's fields fails ("Could not initialize
# trace point events/numaclaim/..."), and the module loads with that
# event unusable; that one WARNING is expected, no other.
run selftests -t 2node -T 3000 -S 4096 \
	-w 'at kernel/trace/trace_events.c:[0-9]+ event_define_fields' -- \
	'numaclaim_test && file_test && hardening_test &&' \
	'NUMACLAIM_FAULT_REQUIRED=1 fault_test && ctl_test.sh && params_test.sh'
run stress -t 4node -T $(( ${DEBUG_STRESS_SECONDS:-120} + 900 )) -S 4096 -- \
	"nc_stress -t ${DEBUG_STRESS_SECONDS:-120}"
# The check can fail: the kernel's own module that leaks on purpose
# (samples/kmemleak, CONFIG_DEBUG_KMEMLEAK_TEST) must fail the run with
# kmemleak's report, or the runs above proved nothing about leaks.
leaker=$top/build/debug-6.1/samples/kmemleak/kmemleak-test.ko
log=$logdir/kmemleak-control.log
start=$(date +%s)
if "$top/scripts/numabox.sh" -q -D "$top/build/debug-6.1" -t 2node -T 900 \
	-x "$leaker" -- 'insmod /opt/numaclaim/kmemleak-test.ko' > "$log" 2>&1; then
	res="FAILED (a module that leaks passed)"
elif grep -q '^numabox: kmemleak reports [1-9]' "$log"; then
	res=passed
else
	res="FAILED (no kmemleak report)"
fi
echo "debugtests: kmemleak-control: $res in $(( $(date +%s) - start ))s;" \
	"$(grep -m1 '^numabox: kmemleak' "$log" | sed 's/^numabox: //')"
if [ "$res" = passed ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	grep '^numabox:' "$log" | head -20
fi
echo "debugtests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
