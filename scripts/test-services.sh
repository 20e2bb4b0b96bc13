#!/usr/bin/env bash
# Installs the system packages the test suite needs (PostgreSQL server for the catalog tests, Debian's
# chromium for the dashboard's browser tests: Playwright drives /usr/bin/chromium; podman and runc for
# the custom-monitor container test, which builds its image locally: tests/e2e/test_container.py).
# Idempotent: does nothing when they are already present. The tests start their own servers.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing system packages for the tests: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "warning: not root; cannot install ${need[*]} (catalog tests against PostgreSQL and browser tests will fail in CI)" >&2
  fi
fi
