#!/usr/bin/env bash
# xfstests-lite quick group (or $XFSTESTS_GROUP) against a real ClusterFs FUSE mount: mkfs a fresh image, mount it (nolock,
# foreground, in the background of this script), run the quick group on it, unmount, and require a clean
# `clusterfs fsck -n`. Prints the harness's output; its last line is "N passed, N failed, N skipped"
# (fsck or mount trouble turns into one more failure).
set -u
cd "$(dirname "$0")/../.."
cfs=(dotnet artifacts/bin/ClusterFs/${CONFIGURATION:-Release}/net10.0/clusterfs.dll)
dir=$(mktemp -d /tmp/xfstests-quick.XXXXXX)
img="$dir/clusterfs.img" mnt="$dir/mnt"
mkdir -p "$mnt"
pid=""
cleanup() {
  if mountpoint -q "$mnt"; then "${cfs[@]}" umount "$mnt" >/dev/null 2>&1 || fusermount3 -u -z "$mnt"; fi
  if [ -n "$pid" ]; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "xfstests-quick: $1"; echo "0 passed, 1 failed"; exit 1; }

"${cfs[@]}" mkfs "$img" 512M >/dev/null || fail "mkfs failed"
"${cfs[@]}" mount "$img" "$mnt" --lock-manager nolock --foreground >"$dir/mount.log" 2>&1 &
pid=$!
# Wait (bounded, 30 s) for the mount to go live.
for _ in $(seq 1 300); do mountpoint -q "$mnt" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
mountpoint -q "$mnt" || { cat "$dir/mount.log"; fail "the ClusterFs mount did not come up"; }

xfstests-lite/check -g "${XFSTESTS_GROUP:-quick}" --target "mount:$mnt"
rc=$?

"${cfs[@]}" umount "$mnt" >/dev/null 2>&1 || fusermount3 -u "$mnt"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the mount process did not exit after umount"
pid=""
"${cfs[@]}" fsck -n "$img" || fail "fsck -n after the quick group found problems"
exit $rc
