#!/bin/sh
# Two kap-bench builds (before and after a change), case by case in turn:
# for each case, BEFORE's line then AFTER's, so that both meet the same
# state of the machine. Within each line the table and the scan are timed
# in interleaved runs (kap-bench).
#
#   bench/interleave.sh BEFORE AFTER [kap-bench options...]
# e.g. bench/interleave.sh /tmp/before/kap-bench build-rel/kap-bench --runs 5
set -eu
before=$1
after=$2
shift 2
cases="k8s-docs-example gke kubespray openshift generated-10 generated-100 generated-1000 generated-10000"
for f in multitenant wildcard resnames urls groupstar adversarial; do
    for n in 10 100 1000 10000; do
        cases="$cases $f-$n"
    done
done
for c in $cases; do
    fam=
    case $c in k8s-* | gke | kubespray | openshift | generated-*) ;; *) fam=--families-only ;; esac
    for b in "$before" "$after"; do
        label=before
        [ "$b" = "$after" ] && label=after
        "$b" --only "$c" $fam "$@" | grep -v '^policy' | sed "s/^/$label /"
    done
done
