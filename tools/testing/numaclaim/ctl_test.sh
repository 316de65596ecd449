#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# numaclaimctl from the shell, in the NUMA box (root, pools on nodes 0, 1).
# TAP output; exits non-zero when a test fails.

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"
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
echo "1..28"
run "help" 0 "claim NODE:SIZE" numaclaimctl --help
run "no command" 2 "usage:" numaclaimctl
run "unknown command" 2 "unknown command" numaclaimctl frobnicate

# pool resizes in steps of 64 MiB: stdout as with one step, nothing on a
# stderr that is not a terminal, the same size reached, and a step that
# falls short (here: a claim needs the pages) ends the resize there.
# exact NAME WANT_EXIT WANT_STDOUT COMMAND...: exit, stdout exact, no stderr.
exact() {
	name=$1 want=$2 wout=$3
	shift 3
	out=$("$@" 2>/tmp/ctl_test.err)
	got=$?
	if [ "$got" -ne "$want" ] || [ "$out" != "$wout" ] ||
	   [ -s /tmp/ctl_test.err ]; then
		printf '# %s: exit %s (want %s), stdout:\n%s\nstderr:\n%s\n' \
			"$name" "$got" "$want" "$out" "$(cat /tmp/ctl_test.err)" |
			sed '2,$s/^/# /'
		ok 1 "$name"
	else
		ok 0 "$name"
	fi
}
sys=/sys/kernel/numaclaim
exact "pool grows in steps, output unchanged" 0 \
	"node 0: pool of 34816 pages (136.0 MiB)" numaclaimctl pool 0 136M
ok $([ "$(cat $sys/nodes/node0/pool_pages)" = 34816 ]; echo $?) \
	"stepped resize reaches the size asked"
exact "stepped shrink stops where a claim needs the pages" 1 \
	"node 0: pool of 18432 pages (72.0 MiB), short of what was asked" \
	numaclaimctl claim 0:72M -- numaclaimctl pool 0 1M
ok $([ "$(cat $sys/nodes/node0/pool_pages)" = 18432 ]; echo $?) \
	"stepped shrink: the pool is the size answered"

# On a terminal, progress on stderr ("\rnode 0: X / Y MiB"), stdout the
# same. ptyrun puts stderr on a pseudo-terminal: devpts is mounted for it.
pts=
if [ ! -c /dev/pts/ptmx ]; then
	mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null && pts=1
fi
out=$(ptyrun numaclaimctl pool 0 150M 2>/tmp/ctl_test.tty)
got=$?
if [ "$got" -eq 125 ]; then
	echo "ok $((n + 1)) # SKIP pool progress on a terminal: no pseudo-terminal"
	echo "ok $((n + 2)) # SKIP pool stdout on a terminal: no pseudo-terminal"
	n=$((n + 2))
else
	# Each line ends erasing what a longer one before it left (ESC [K).
	esc=$(printf '\033')
	tr '\r' '\n' < /tmp/ctl_test.tty > /tmp/ctl_test.raw
	sed "s/$esc\\[K\$//" /tmp/ctl_test.raw > /tmp/ctl_test.lines
	grep -qx "node 0: 136 / 150 MiB$esc\\[K" /tmp/ctl_test.raw &&
		grep -qx "node 0: 150 / 150 MiB$esc\\[K" /tmp/ctl_test.raw
	r=$?
	grep -v '^$' /tmp/ctl_test.lines | sed 's/^/# tty: /'
	ok $r "pool shows its progress on a terminal"
	ok $([ "$got" -eq 0 ] &&
	     [ "$out" = "node 0: pool of 38400 pages (150.0 MiB)" ]; echo $?) \
		"pool's stdout is the same on a terminal"
fi
[ -z "$pts" ] || umount /dev/pts
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
