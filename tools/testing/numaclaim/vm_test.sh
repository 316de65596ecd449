#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vm_test.sh: unmodified QEMU with KVM on numaclaim allocation files, in the
# NUMA box with the VM kit (scripts/numabox.sh -V -t vm2node; the module
# loaded with pools of exactly VM_NODE_MB MiB on nodes 0 and 1).
#
#  1. Guest 1: two guest NUMA nodes whose RAM is two allocation files on
#     host nodes 0 and 1, from `numaclaimctl run`, which also hands the
#     files to vmpeer over a unix socket with SCM_RIGHTS (as a VMM hands
#     guest RAM to a vhost-user backend). The guest writes a marker into
#     its memory; vmpeer, mapping the files, finds it. While it runs, the
#     host's counts show the guest's RAM allocated on each node and QEMU's
#     /proc/PID/maps shows both files mapped.
#  2. A second VMM whose claim cannot be met is refused before QEMU starts.
#  3. kill -9 of QEMU: every page and claim comes back.
#  4. Guest 2 on the same pools (so on the pages guest 1 filled): vmpeer
#     finds every byte of its RAM zero before QEMU starts; the guest boots,
#     writes its marker, powers off, and everything comes back.
# Prints "ok"/"not ok" lines and ends with "# vm_test: N passed, M failed".

G=${VM_NODE_MB:-128}
PAGES=$((G * 256))
pass=0
fail=0

ok() {
	echo "ok - $*"
	pass=$((pass + 1))
}

not_ok() {
	echo "not ok - $*"
	fail=$((fail + 1))
}

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# A field of node N (or of the host, N = host) in `numaclaimctl status --json`.
field() {
	numaclaimctl status --json | tr '{' '\n' | awk -v n="$1" -v f="\"$2\":" '
		n == "host" && /"page_size"/ { s = $0 }
		n != "host" && $0 ~ "\"node\": " n "," { s = $0 }
		END { split(s, w, f); split(w[2], v, /[,}]/); print v[1] + 0 }'
}

# wait_for FILE PATTERN SECONDS
wait_for() {
	t=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		t=$((t + 1))
		[ $t -le "$3" ] || return 1
		sleep 1
	done
}

wait_sock() {
	t=0
	while [ ! -S "$1" ]; do
		t=$((t + 1))
		[ $t -le 20 ] || return 1
		sleep 1
	done
}

qemu_args() {
	echo "-m $((2 * G)) -smp 2" \
	     "-object memory-backend-file,id=m0,size=${G}M,share=on,mem-path=@0" \
	     "-numa node,nodeid=0,cpus=0,memdev=m0" \
	     "-object memory-backend-file,id=m1,size=${G}M,share=on,mem-path=@1" \
	     "-numa node,nodeid=1,cpus=1,memdev=m1"
}

all_back() {
	[ "$(field host free_pages)" -eq "$(field host pool_pages)" ] &&
	[ "$(field host outstanding_pages)" -eq 0 ] &&
	[ "$(field 0 free_pages)" -eq "$PAGES" ] &&
	[ "$(field 1 free_pages)" -eq "$PAGES" ]
}

echo "# vm_test: $(qemu-system-x86_64 --version | head -n 1), guest nodes of $G MiB"
check "pools of $G MiB on nodes 0 and 1, all free" all_back

# ---- 1. guest 1, marker found through SCM_RIGHTS ---------------------------
word=nc$$x$(date +%s)
rot=$(echo "$word" | tr 'A-Za-z' 'N-ZA-Mn-za-m')
vmpeer --listen /tmp/peer1.sock --find "$rot" --min-pages 4096 --timeout 150 \
	> /tmp/peer1.log 2>&1 &
peer=$!
wait_sock /tmp/peer1.sock || not_ok "vmpeer listens"
start=$(date +%s)
VM_LOG=/tmp/guest1.log VM_APPEND="nc.mark=$word nc.fill=32 nc.hold=1" \
	numaclaimctl run --mem 0:${G}M --mem 1:${G}M --send /tmp/peer1.sock -- \
	vm-boot -- $(qemu_args) > /tmp/qemu1.log 2>&1 &
qemu=$!
if wait_for /tmp/guest1.log GUEST-UP 180; then
	ok "guest 1 booted in $(($(date +%s) - start))s: $(grep -m1 GUEST-UP /tmp/guest1.log | tr -d '\r')"
else
	not_ok "guest 1 booted"
	cat /tmp/qemu1.log /tmp/guest1.log 2>/dev/null | tail -n 20
fi
check "the guest sees two NUMA nodes" grep -q 'GUEST-UP.*nodes=2' /tmp/guest1.log
check "host node 0 has the guest's $G MiB allocated" \
	[ "$(($(field 0 allocated_pages)))" -eq "$PAGES" ]
check "host node 1 has the guest's $G MiB allocated" \
	[ "$(($(field 1 allocated_pages)))" -eq "$PAGES" ]
check "QEMU maps both allocation files" \
	[ "$(grep -c 'numaclaim:\[' "/proc/$qemu/maps" 2>/dev/null)" -ge 2 ]
wait_for /tmp/guest1.log GUEST-MARKED 120
if wait "$peer"; then
	ok "vmpeer (files by SCM_RIGHTS) found the guest's marker: $(grep 'found' /tmp/peer1.log)"
else
	not_ok "vmpeer found the guest's marker"
fi
sed 's/^/# /' /tmp/peer1.log

# ---- 2. a VMM whose claim cannot be met ------------------------------------
if VM_LOG=/tmp/guest3.log numaclaimctl run --mem 0:${G}M -- \
	vm-boot -- -m "$G" > /tmp/run3.log 2>&1; then
	not_ok "a third VMM is refused"
else
	check "a third VMM is refused with the errno's message" \
		grep -q 'run: claim: not enough unclaimed free pages' /tmp/run3.log
fi
check "... before QEMU started" [ ! -e /tmp/guest3.log ]
sed 's/^/# /' /tmp/run3.log

# ---- 3. kill -9 -------------------------------------------------------------
kill -9 "$qemu"
wait "$qemu" 2>/dev/null
check "kill -9 of QEMU: every page and claim back" all_back

# ---- 4. guest 2 on the pages guest 1 filled: zero -----------------------------
word=nc$$y$(date +%s)
rot=$(echo "$word" | tr 'A-Za-z' 'N-ZA-Mn-za-m')
vmpeer --listen /tmp/peer2.sock --zero --find "$rot" --min-pages 256 \
	--timeout 150 > /tmp/peer2.log 2>&1 &
peer=$!
wait_sock /tmp/peer2.sock || not_ok "vmpeer listens"
VM_LOG=/tmp/guest2.log VM_APPEND="nc.mark=$word nc.fill=2" \
	numaclaimctl run --mem 0:${G}M --mem 1:${G}M --send /tmp/peer2.sock -- \
	vm-boot -- $(qemu_args) > /tmp/qemu2.log 2>&1 &
qemu=$!
wait_for /tmp/peer2.log 'pages not zero' 60
check "guest 2's RAM (guest 1's pages) is zero before QEMU starts" \
	[ "$(grep -c ' 0 of .* pages not zero' /tmp/peer2.log)" -eq 2 ]
if wait "$qemu"; then
	ok "guest 2 booted, marked its memory and powered off"
else
	not_ok "guest 2 ran to its poweroff"
	tail -n 20 /tmp/qemu2.log /tmp/guest2.log
fi
check "guest 2 came up and powered off" grep -q GUEST-DONE /tmp/guest2.log
if wait "$peer"; then
	ok "vmpeer found guest 2's marker"
else
	not_ok "vmpeer found guest 2's marker"
fi
sed 's/^/# /' /tmp/peer2.log
check "guest 2 exited: every page and claim back" all_back

echo "# vm_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
