#!/usr/bin/env bash
# xfstests-lite quick group against a fresh directory on /tmp (a real Linux filesystem, which proves
# the tests themselves). The lead will point this at a ClusterFs FUSE mount and add --target inproc.
# Prints the harness's output, whose last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
dir=$(mktemp -d /tmp/xfstests-quick.XXXXXX)
trap 'rm -rf "$dir"' EXIT
xfstests-lite/check -g quick --target "mount:$dir"
