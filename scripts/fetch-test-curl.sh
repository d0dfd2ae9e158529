#!/usr/bin/env bash
# Fetches a curl 8 for the end-to-end tests into a private directory, without touching the system.
#
# Debian 12's curl 7.88 cannot do two things the tests need: SOCKS5 GSS-API (its non-blocking SOCKS
# state machine forgets that it offered the method) and HTTP/2 to the proxy (--proxy-http2 came in
# curl 8.1). Debian's bookworm-backports has curl 8 built against bookworm's own libraries, so its
# curl and libcurl4 packages are unpacked (dpkg -x, no install) and run with LD_LIBRARY_PATH.
# Every download is checked: InRelease by Debian's archive key (gpgv), the package index by the
# hash InRelease gives, each package by the hash the index gives.
#
# usage: scripts/fetch-test-curl.sh [DIR]
#   DIR defaults to $ZCPROXY_TEST_TOOLS or ~/.cache/zcproxy. Prints the path of the curl wrapper,
#   DIR/curl-8/bin/curl, which the tests find there (or through ZCPROXY_TEST_CURL8). Does nothing
#   when that wrapper already runs a curl 8.
set -Eeuo pipefail

die() {
  echo "fetch-test-curl: $*" >&2
  exit 1
}

mirror=${ZCPROXY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm-backports
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
tools=${1:-${ZCPROXY_TEST_TOOLS:-$HOME/.cache/zcproxy}}
home="$tools/curl-8"
wrapper="$home/bin/curl"

if [[ -x $wrapper ]] && "$wrapper" --version 2>/dev/null | head -n 1 | grep -q '^curl 8\.'; then
  echo "$wrapper"
  exit 0
fi
for tool in curl gpgv xz sha256sum dpkg; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
[[ -r $keyring ]] || die "needs Debian's archive keyring ($keyring, package debian-archive-keyring)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { curl -fsS --retry 3 --max-time 120 -o "$2" "$1" || die "cannot download $1"; }

fetch "$mirror/dists/$suite/InRelease" "$work/InRelease"
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>/dev/null \
  || die "$suite InRelease: bad signature"
index_hash=$(awk '/^SHA256:/{s=1; next} /^[^ ]/{s=0} s && $3 == "main/binary-amd64/Packages.xz" {print $1}' "$work/Release")
[[ -n $index_hash ]] || die "$suite: no main/binary-amd64/Packages.xz in Release"
fetch "$mirror/dists/$suite/main/binary-amd64/Packages.xz" "$work/Packages.xz"
echo "$index_hash  $work/Packages.xz" | sha256sum -c --quiet - || die "Packages.xz: hash mismatch"
xz -dc "$work/Packages.xz" >"$work/Packages"

# Filename and SHA256 of a binary package in the index.
package() {
  awk -v want="$1" '
    /^Package: / {name = $2}
    /^Filename: / {file = $2}
    /^SHA256: / {hash = $2}
    /^$/ {if (name == want) {print file, hash; exit} name = ""}
  ' "$work/Packages"
}

rm -rf "$home.new"
mkdir -p "$home.new/bin"
for name in curl libcurl4; do
  read -r file hash < <(package "$name") || die "$suite has no package $name"
  fetch "$mirror/$file" "$work/$name.deb"
  echo "$hash  $work/$name.deb" | sha256sum -c --quiet - || die "$file: hash mismatch"
  dpkg -x "$work/$name.deb" "$home.new/root"
done
cat >"$home.new/bin/curl" <<'EOF'
#!/bin/sh
# curl 8 from Debian bookworm-backports, unpacked for zcproxy's tests (scripts/fetch-test-curl.sh).
root=$(dirname "$0")/../root
LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$root/usr/bin/curl" "$@"
EOF
chmod +x "$home.new/bin/curl"
"$home.new/bin/curl" --version | head -n 1 | grep -q '^curl 8\.' || die "the unpacked curl does not run"
rm -rf "$home"
mv "$home.new" "$home"
echo "$wrapper"
