#!/bin/sh
# Install every Debian package numaclaim needs to build and test, and the
# 6.12 kernel headers from bookworm-backports. Idempotent: nothing is asked
# of apt when everything is there. Run as root on Debian 12.
set -eu

PKGS="build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
python3 perl git sparse g++ gcc-multilib qemu-system-x86 busybox-static
linux-headers-amd64 linux-source-6.1 dkms pkgconf python3-sphinx man-db
bsdextrautils"

# The newest 6.12 headers (the generic flavour) in the package lists.
headers_612() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
have612=$(ls -d /usr/src/linux-headers-6.12.*+deb12-amd64 2>/dev/null | head -n 1 || true)

if [ -z "$missing" ] && [ -n "$have612" ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing${have612:+} (run as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# bookworm-backports, from the machine's own Debian entry: same archive,
# other suite. Nothing here names a host.
bp=/etc/apt/sources.list.d/numaclaim-bookworm-backports.sources
if [ ! -e "$bp" ] && [ -e /etc/apt/sources.list.d/debian.sources ]; then
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t]|\n|$)/ && !done {
		gsub(/(^|\n)Suites:[^\n]*/, "\nSuites: bookworm-backports");
		sub(/^\n/, ""); print; done = 1 }' \
		/etc/apt/sources.list.d/debian.sources > "$bp"
	[ -s "$bp" ] || rm -f "$bp"
fi
if [ ! -e "$bp" ] && [ -e /etc/apt/sources.list ]; then
	uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
	[ -z "$uri" ] || echo "deb $uri bookworm-backports main" > "${bp%.sources}.list"
fi

echo "deps.sh: installing:$missing and the 6.12 headers"
apt-get update -qq
h612=$(headers_612)
if [ -z "$h612" ]; then
	echo "deps.sh: no linux-headers-6.12.*-amd64 in the package lists" >&2
	exit 1
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing "$h612"
