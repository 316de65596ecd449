#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# numaclaimctl from the shell, in the NUMA box (root, pools on nodes 0, 1).
# TAP output; exits non-zero when a test fails.

n=0
fails=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}
# run NAME EXPECTED_EXIT PATTERN COMMAND...: exit status and output match.
run() {
	name=$1 want=$2 pat=$3
	shift 3
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ] || ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		printf '# %s: exit %s (want %s), output:\n%s\n' "$name" "$got" "$want" \
			"$out" | sed '2,$s/^/# /'
		ok 1 "$name"
	else
		ok 0 "$name"
	fi
}

echo "TAP version 13"
echo "1..22"
run "help" 0 "claim NODE:SIZE" numaclaimctl --help
run "no command" 2 "usage:" numaclaimctl
run "unknown command" 2 "unknown command" numaclaimctl frobnicate
run "pool resize" 0 "node 0: pool of 256 pages" numaclaimctl pool 0 1M
run "pool bad node" 1 "no such node" numaclaimctl pool 4095 1M
run "pool bad size" 2 "bad size" numaclaimctl pool 0 12Q
run "status json" 0 '"nodes": \[{"node": 0' numaclaimctl status --json
run "status table" 0 "^pool " numaclaimctl status
run "claim hands the context over" 0 '"context": {"pages": 0, "claims": 128,' \
	numaclaimctl claim 0:512K -- numaclaimctl status --json
run "alloc in the claimed context" 0 "64 pages (node0 64)" \
	numaclaimctl claim 0:512K -- numaclaimctl alloc 256K
run "claim --max seals the limit" 0 '"max_pages": 512, "max_sealed": true' \
	numaclaimctl claim 0:1M --max 2M -- numaclaimctl status --json
run "claim too big" 1 "not enough unclaimed" \
	numaclaimctl claim 0:1G -- true
run "alloc too big" 1 "not enough free pages" numaclaimctl alloc 1G
run "claim same node twice" 1 "a node twice" \
	numaclaimctl claim 0:4K,0:4K -- true

# run: claim, allocate, export and start the VMM with the files: on node
# 0 (256 pages now) and on the next node with a pool (what the selftests
# left it: 100 pages).
n1=
for d in /sys/kernel/numaclaim/nodes/node*; do
	[ "${d##*node}" != 0 ] && [ "$(cat "$d/pool_pages")" -gt 0 ] &&
		{ n1=${d##*node}; break; }
done
run "run puts the files' paths for @N" 0 \
	'^mem-path=/proc/self/fd/[0-9]*|/proc/self/fd/[0-9]*,x|x@1|@7$' \
	numaclaimctl run --mem 0:512K --mem "$n1:256K" -- \
	sh -c 'echo "$0|$1|$2|$3"' mem-path=@0 @1,x x@1 @7
run "run: the VMM's memory is on its nodes" 0 \
	"\"node\": 0, .*\"allocated_pages\": 128, .*\"node\": $n1, .*\"allocated_pages\": 64," \
	numaclaimctl run --mem 0:512K --mem "$n1:256K" -- numaclaimctl status --json
run "run: the file opens by path and has the size" 0 '^8192$' \
	numaclaimctl run --mem "$n1:8K" -- sh -c 'stat -L -c %s /dev/fd/$NUMACLAIM_MEM_FDS'
run "run refuses before starting the VMM" 1 \
	'^numaclaimctl: run: claim: not enough unclaimed free pages on that node or on the host$' \
	numaclaimctl run --mem 0:2M -- echo STARTED
run "run needs --mem" 2 "at least one --mem" numaclaimctl run -- true

# sysfs: nodeN/pool_pages resizes as hugetlb's nr_hugepages does.
sys=/sys/kernel/numaclaim
echo 300 > $sys/nodes/node0/pool_pages
ok $([ "$(cat $sys/nodes/node0/pool_pages)" = 300 ]; echo $?) "sysfs pool_pages resizes"
total=0
for f in $sys/nodes/node*/pool_pages; do total=$((total + $(cat $f))); done
ok $([ "$(cat $sys/pool_pages)" = "$total" ] &&
     [ "$(cat $sys/free_pages)" = "$total" ] &&
     [ "$(cat $sys/outstanding_pages)" = 0 ]; echo $?) "sysfs host counts"
ok $( (echo frog > $sys/nodes/node0/pool_pages) 2>/dev/null; [ $? -ne 0 ] &&
     [ "$(cat $sys/nodes/node0/pool_pages)" = 300 ]; echo $?) "sysfs refuses garbage"
echo "# ctl_test: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
