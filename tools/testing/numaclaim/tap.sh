# SPDX-License-Identifier: GPL-2.0
#
# TAP for the shell tests (ctl_test.sh, params_test.sh), sourced from the
# directory they run from: ok STATUS NAME prints test n's result, counting
# the failures in $fails.

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
