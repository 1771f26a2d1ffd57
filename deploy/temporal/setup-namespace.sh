#!/bin/sh
# Waits for the Temporal server, then creates the namespace and registers the search attributes
# every runbook sets (src/shared/search-attributes.ts). Safe to rerun: what exists is kept.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
SEARCH_ATTRIBUTES="ImplyClusterId ImplyClusterName ImplyRunbookStep ImplyRunbookKind ImplyApprovalState"

# Runs "$@" until it succeeds, 60 tries 2 s apart: the server starts, and a new namespace takes a
# few seconds to reach every part of it.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 60 ]; then
      echo "gave up after 60 tries: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry temporal operator cluster health --address "$ADDRESS" >/dev/null
echo "Temporal at $ADDRESS is healthy"

if ! temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" \
    --retention "${TEMPORAL_RETENTION:-7d}"
  echo "created namespace $NAMESPACE"
fi

registered=$(retry temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" 2>/dev/null)
for name in $SEARCH_ATTRIBUTES; do
  if echo "$registered" | grep -qw "$name"; then
    echo "search attribute $name is registered"
  else
    retry temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
      --name "$name" --type Keyword
    echo "registered search attribute $name"
  fi
done
