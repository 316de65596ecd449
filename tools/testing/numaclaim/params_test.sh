#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The module's pool_mb parameter at load, in the NUMA box (root, the module
# loaded with the box's parameters from /params, at /numaclaim.ko): every
# malformed entry fails the load and leaves nothing loaded, a good one
# loads with the pools asked; the module is loaded again as it was.
# TAP output; exits non-zero when a test fails.

ko=${NUMACLAIM_KO:-/numaclaim.ko}
params=$(cat "${NUMACLAIM_PARAMS_FILE:-/params}" 2>/dev/null)
sys=/sys/kernel/numaclaim
# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"

# Entries that are not NODE:MB of a possible node, in decimal, with MiB an
# unsigned long of pages holds: a node past 32 bits (once read as node 0),
# trailing characters and a negative size (once taken), a plus sign (once
# taken: kstrto*() skip it), parts missing or extra, an empty entry, a size
# that overflows 64 bits, a node that is not possible.
bad="4294967296:1 0:1junk 0:-1 -1:1 +0:1 0:+1 0x0:1 0: :1 0 0:1:1 0:1, 0:1,,1:1
0:18446744073709551616 0:72057594037927936 65535:1 abc"

echo "TAP version 13"
echo "1..$(($(echo $bad | wc -w) + 3))"
if ! rmmod numaclaim; then
	echo "Bail out! rmmod numaclaim failed"
	exit 1
fi
for p in $bad; do
	if insmod "$ko" "pool_mb=$p" 2>/dev/null; then
		ok 1 "pool_mb=$p refused (it loaded)"
		rmmod numaclaim
	else
		ok $([ ! -e /dev/numaclaim ] && [ ! -d $sys ]; echo $?) \
			"pool_mb=$p refused, nothing left"
	fi
done
ok $(dmesg | grep -q "bad pool_mb entry '0:1junk' (NODE:MB)"; echo $?) \
	"the refused entry is named in the kernel log"

# Node 0 has memory in every topology of the box; named twice, its pool
# ends at the last size.
insmod "$ko" pool_mb=0:2,0:4
ok $([ "$(cat $sys/nodes/node0/pool_pages)" = 1024 ]; echo $?) \
	"pool_mb=0:2,0:4 loads with a pool of 4 MiB"
rmmod numaclaim
# shellcheck disable=SC2086
insmod "$ko" $params
ok $([ -e /dev/numaclaim ]; echo $?) "loaded again with the box's parameters"

echo "# params_test: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
