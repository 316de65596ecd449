#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The numaclaim story in one screen, with real guests: runs inside the NUMA
# box with the VM kit (make demo: numabox.sh -V -t vm2node), a 192 MiB pool
# on each of two nodes. Two unmodified QEMUs boot KVM guests whose RAM is
# numaclaim memory on node 0 and node 1, a toolstack claims what is left of
# node 0 for a guest it will build later, a third VMM is refused the
# claimed memory before its QEMU starts, and everything comes back.

say() { printf '\n== %s\n' "$*"; }

# up NAME PID: wait for NAME's guest to reach userspace, showing progress.
up() {
	while ! grep -q GUEST-UP "/tmp/$1.log" 2>/dev/null; do
		t=$(($(date +%s) - start))
		if [ $t -gt 240 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "VMM $1: no guest after ${t}s"
			cat "/tmp/$1.err" 2>/dev/null
			return 1
		fi
		[ $((t % 5)) -ne 0 ] || echo "   ... ${t}s, waiting for guest $1"
		sleep 1
	done
	echo "VMM $1: guest up after $(($(date +%s) - start))s:" \
		"$(grep -m1 GUEST-UP "/tmp/$1.log" | tr -d '\r')"
}

# vmm NAME NODE: an unmodified QEMU whose 128 MiB of guest RAM is a
# numaclaim allocation file on NODE, started by numaclaimctl run.
vmm() {
	VM_LOG=/tmp/$1.log VM_APPEND="nc.hold=1" \
		numaclaimctl run --mem "$2:128M" -- vm-boot -- -m 128 \
		-object memory-backend-file,id=ram,size=128M,share=on,mem-path=@0 \
		-numa node,memdev=ram > "/tmp/$1.err" 2>&1 &
}

# Kernel messages stay in the log (the box checks it at the end), off the
# console.
dmesg -n 1

say "A host with two nodes and a 192 MiB pool on each"
numaclaimctl status

say "VMM A boots a KVM guest on node 0, VMM B on node 1 (128 MiB each)"
echo '$ numaclaimctl run --mem 0:128M -- qemu-system-x86_64 -accel kvm -m 128 \'
echo '    -object memory-backend-file,id=ram,size=128M,share=on,mem-path=@0 \'
echo '    -numa node,memdev=ram ...'
start=$(date +%s)
vmm A 0
a=$!
vmm B 1
b=$!
up A $a && up B $b
echo "(both in $(($(date +%s) - start))s; QEMU maps: $(grep -c 'numaclaim:\[' /proc/$a/maps) and $(grep -c 'numaclaim:\[' /proc/$b/maps) allocation files)"
numaclaimctl status

say "A toolstack claims node 0's last 64 MiB for a guest it will build later"
numaclaimctl claim 0:64M -- sh -c 'touch /tmp/D.claimed; while [ ! -e /tmp/end ]; do sleep 0.2; done' &
while [ ! -e /tmp/D.claimed ]; do sleep 0.1; done
numaclaimctl status

say "VMM C wants 96 MiB anywhere: 128 MiB are free, but only 64 MiB are unclaimed"
echo '$ numaclaimctl run --mem any:96M -- qemu-system-x86_64 ...'
VM_LOG=/tmp/C.log numaclaimctl run --mem any:96M -- vm-boot -- -m 96
echo "(exit $?; QEMU for C never started: $([ -e /tmp/C.log ] && echo 'it did!' || echo 'no console log'))"

say "A and B shut down, the claim ends: every page and every claim comes back"
kill -TERM $a $b
wait $a $b
touch /tmp/end
wait
numaclaimctl status
