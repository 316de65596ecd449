#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unmodified QEMU with KVM on numaclaim allocation files, in the NUMA box
# with the VM kit (numabox.sh -V, topology vm2node), on every kernel of
# KVERS: tools/testing/numaclaim/vm_test.sh in the box. Ends with
# "vmtests: N passed, M failed" (one per kernel).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kvers=${KVERS:-$(ls -1 /lib/modules | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$|^6\.12\.[0-9]+\+deb12-amd64$' | sort -V)}
mb=${VM_NODE_MB:-128}
logdir=$top/build/vmtests
mkdir -p "$logdir"

passed=0
failed=0
for k in $kvers; do
	log=$logdir/$k.log
	start=$(date +%s)
	if "$top/scripts/numabox.sh" -V -q -k "$k" -t vm2node \
		-p "pool_mb=0:$mb,1:$mb" -- "VM_NODE_MB=$mb vm_test.sh" > "$log" 2>&1; then
		res=passed
		passed=$((passed + 1))
	else
		res=FAILED
		failed=$((failed + 1))
	fi
	sum=$(grep -m1 '^# vm_test: [0-9]' "$log" || echo "# vm_test: not run")
	echo "vmtests: $k: $res in $(( $(date +%s) - start ))s; ${sum#\# }"
	if [ "$res" = FAILED ]; then
		grep -E '^not ok|^numabox:|^# ' "$log" | head -40
	fi
done
echo "vmtests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
