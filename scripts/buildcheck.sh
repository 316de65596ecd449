#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a build command and fail when it fails or when its output holds a
# compiler or sparse report, so that W=1 and sparse are held at zero.
# usage: scripts/buildcheck.sh NAME COMMAND...
set -uo pipefail

name=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
reports=$(grep -E '(warning|error):' "$log")
if [ "$status" -ne 0 ] || [ -n "$reports" ]; then
	echo "$name: FAILED (exit $status)"
	[ -z "$reports" ] || echo "$reports"
	exit 1
fi
echo "$name: clean"
