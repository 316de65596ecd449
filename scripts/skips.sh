# SPDX-License-Identifier: GPL-2.0
#
# Sourced by boxtests.sh and debugtests.sh.
#
# A skipped test passes only where it has to skip: the memoryless test on
# topologies with no memoryless node, io_uring fixed buffers on 6.1 (its
# io_uring refuses file-backed buffers). Any other skip (no tracefs, no
# pseudo-terminal, a poison that did not take, a pool short of a unit)
# fails the run: a test that checked nothing. Prints the skips not allowed.
unexpected_skips() { # LOG KVER TOPOLOGY
	local allowed='^$'
	[ "$3" = cxl ] || allowed="$allowed|no memoryless node in this topology"
	case $2 in 6.1.*) allowed="$allowed|io_uring refuses file-backed buffers" ;; esac
	grep -E '^ok [0-9]+ .*# SKIP' "$1" | grep -v -E "# SKIP .*($allowed)" || true
}
