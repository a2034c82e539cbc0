#!/usr/bin/env bash
# The start of every cluster test (test_cluster_*.sh), sourced as its first
# command: from the repository's top (OUT's default and the tests' relative
# paths are from there), with cluster-lib.sh's helpers (lib.sh's set -u),
# and cluster_down in the EXIT trap. Not in cluster-lib.sh itself: the
# cluster demo sources that and sets traps of its own.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
source tests/ns/cluster-lib.sh
trap cluster_down EXIT
