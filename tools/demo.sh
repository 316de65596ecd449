#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The numaclaim story in one screen; runs inside the NUMA box (make demo)
# with a 64 MiB pool on each of two nodes.

say() { printf '\n== %s\n' "$*"; }
wait_for() { while [ ! -e "$1" ]; do sleep 0.1; done; }

# A VMM as a toolstack starts it: claim first, then build the guest.
vmm() {
	numaclaimctl claim "$2:40M" -- sh -c "
		touch /tmp/$1.claimed
		while [ ! -e /tmp/go ]; do sleep 0.1; done
		echo \"VMM $1 allocates its guest memory: \$(numaclaimctl alloc 40M)\"
		touch /tmp/$1.allocated
		while [ ! -e /tmp/end ]; do sleep 0.1; done"
}

say "A host with two nodes and a 64 MiB pool on each"
numaclaimctl status

say "VMM A claims 40 MiB on node 0, VMM B 40 MiB on node 1"
vmm A 0 &
vmm B 1 &
wait_for /tmp/A.claimed
wait_for /tmp/B.claimed
numaclaimctl status

say "VMM C wants 64 MiB: 128 MiB are free, but only 48 MiB are unclaimed"
numaclaimctl alloc 64M
echo "VMM C settles for 16 MiB: $(numaclaimctl alloc 16M) (back when it exits)"

say "A and B build their guests: the pages land on the nodes they claimed"
touch /tmp/go
wait_for /tmp/A.allocated
wait_for /tmp/B.allocated
numaclaimctl status

say "A and B exit: every page and every claim comes back"
touch /tmp/end
wait
numaclaimctl status
