#!/bin/sh
# Install every Debian package numaclaim needs to build and test.
# Idempotent: packages already present are left alone, and apt is only
# asked when something is missing. Run as root on Debian 12.
set -eu

PKGS="build-essential bc bison flex libelf-dev libssl-dev kmod cpio xz-utils
python3 perl git sparse linux-headers-amd64 linux-source-6.1"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
