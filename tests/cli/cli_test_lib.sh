# Shared by the command-line tests: source it after `set -euo pipefail`.
# Enters a fresh work directory (removed on exit) and defines:
#   fail "what"                          counts a failure
#   expect_error "what" "part" args...   `diffuse args...` must end with a clean
#                                        exit status and a "diffuse: error:" line naming part
#   finish "name"                        exits 1 when anything failed
: "${DIFFUSE:?set DIFFUSE to the diffuse binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_error() {
  local what=$1 part=$2; shift 2
  local status=0
  "$DIFFUSE" "$@" >out.txt 2>err.txt || status=$?
  [ "$status" -ne 0 ] && [ "$status" -lt 128 ] || { fail "$what: exit status $status"; cat err.txt; }
  grep -q "^diffuse: error: .*$part" err.txt || { fail "$what: expected an error naming '$part'"; cat err.txt; }
}
finish() {
  [ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
  echo "$1: all checks passed"
}
