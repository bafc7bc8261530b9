#!/usr/bin/env bash
# xfstests-lite quick group against the in-process target: each test gets a fresh ClusterFs image
# mounted as a node in the harness process (unmounted and fsck'd afterwards); tests needing paths are
# notrun there. Prints the harness's output, whose last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
xfstests-lite/check -g "${XFSTESTS_GROUP:-quick}" --target inproc
