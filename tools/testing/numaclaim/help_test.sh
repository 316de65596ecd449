#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# numaclaimctl --help and the numaclaimctl(8) man page must say the same:
# the same command synopses (the man page's SYNOPSIS block and the terms of
# its COMMANDS section, each equal to the help's), and the same options (every
# option the help names is described in COMMANDS, and no other). Run by
# `make docs-check`.
#
# usage: help_test.sh NUMACLAIMCTL RST [MAN]
#   NUMACLAIMCTL  the built tool (build/tools/bin/numaclaimctl)
#   RST           Documentation/numaclaimctl.rst, always checked
#   MAN           the man page Sphinx rendered from it
#                 (build/docs/man/numaclaimctl.8), checked when given
# Prints a diff of what differs; exits 1 when something does.

[ $# -ge 2 ] || { sed -n '10,15s/^# \{0,1\}//p' "$0" >&2; exit 2; }
ctl=$1 rst=$2 man=$3
tmp=$(mktemp -d) || exit 1
[ -n "$HELP_TEST_KEEP" ] || trap 'rm -rf "$tmp"' EXIT
fails=0

# One entry a line, blanks squeezed.
squeeze() { sed -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//'; }

# compare WHAT A B: the same lines, in the same order.
compare() {
	if diff -u "$2" "$3" > "$tmp/diff"; then
		echo "help_test: $1: same"
	else
		echo "help_test: $1: differ (- help, + documentation):"
		sed -e '1,2d' -e 's/^/  /' "$tmp/diff"
		fails=$((fails + 1))
	fi
}

# The help's synopses: a line indented by 2 starts one, lines indented by
# exactly 4 continue it (descriptions are indented by 6).
"$ctl" --help > "$tmp/help" || { echo "help_test: $ctl --help failed"; exit 1; }
awk '/^  [^ ]/ { if (s != "") print s; s = "numaclaimctl " $0; next }
     /^    [^ ]/ && s != "" { s = s " " $0; next }
     { if (s != "") print s; s = "" }
     END { if (s != "") print s }' "$tmp/help" | squeeze > "$tmp/help.syn"
[ -s "$tmp/help.syn" ] || { echo "help_test: no synopsis in the help"; exit 1; }
# Every option the help names, anywhere in it.
grep -o -E '(^|[^[:alnum:]-])--?[a-z][a-z-]*' "$tmp/help" |
	sed 's/^[^-]*//' | sort -u > "$tmp/help.opt"

# rst: the literal block of SYNOPSIS (lines indented by 3 start an entry,
# deeper ones continue it) and the terms of COMMANDS (lines at column 0).
# A section runs from its title to the next title (a line of dashes).
section() {
	awk -v want="$1" 'prev == want && /^---/ { on = 1; prev = ""; next }
	     on && /^---/ { exit }
	     on { if (held != "") print held; held = $0 }
	     { prev = $0 }' "$2"
}
section SYNOPSIS "$rst" |
	awk '/^   numaclaimctl / { if (s != "") print s; s = $0; next }
	     /^    / && s != "" { s = s " " $0; next }
	     END { if (s != "") print s }' | squeeze > "$tmp/rst.syn"
section COMMANDS "$rst" | awk '/^[a-z]/ { print "numaclaimctl " $0 }' |
	squeeze > "$tmp/rst.cmd"
section COMMANDS "$rst" |
	awk '/^   --?[a-z]/ { print $1 }' | sort -u > "$tmp/rst.opt"
compare "rst SYNOPSIS" "$tmp/help.syn" "$tmp/rst.syn"
compare "rst COMMANDS" "$tmp/help.syn" "$tmp/rst.cmd"
compare "rst options" "$tmp/help.opt" "$tmp/rst.opt"

if [ -n "$man" ]; then
	# roff: text lines of a section; .B/.BI lines right after .TP are
	# the terms of a list, commands or options.
	unroff() {
		sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\ / /g' \
		    -e 's/\\&//g' -e 's/\\f[BIPR]//g'
	}
	mansec() {
		awk -v want=".SH $1" '$0 == want { on = 1; next }
		     on && /^\.SH / { exit }
		     on { print }' "$man"
	}
	terms() {
		mansec COMMANDS | awk 'tp && /^\.BI? / { sub(/^\.BI? +/, ""); print }
				       { tp = ($0 == ".TP") }' | unroff
	}
	mansec SYNOPSIS | grep -v '^\.' | unroff |
		awk '/^numaclaimctl / { if (s != "") print s; s = $0; next }
		     /^ / && s != "" { s = s " " $0; next }
		     END { if (s != "") print s }' | squeeze > "$tmp/man.syn"
	terms | awk '/^[a-z]/ { print "numaclaimctl " $0 }' | squeeze > "$tmp/man.cmd"
	terms | awk '/^-/ { print $1 }' | sort -u > "$tmp/man.opt"
	compare "man SYNOPSIS" "$tmp/help.syn" "$tmp/man.syn"
	compare "man COMMANDS" "$tmp/help.syn" "$tmp/man.cmd"
	compare "man options" "$tmp/help.opt" "$tmp/man.opt"
fi

if [ "$fails" -ne 0 ]; then
	echo "help_test: FAIL: numaclaimctl --help (tools/numaclaimctl.c) and" \
		"Documentation/numaclaimctl.rst disagree"
	exit 1
fi
echo "help_test: ok: $(wc -l < "$tmp/help.syn") commands," \
	"$(wc -l < "$tmp/help.opt") options${man:+, rst and man page}"
