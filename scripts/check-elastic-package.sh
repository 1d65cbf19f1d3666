#!/usr/bin/env bash
# Lints and builds the Elastic package in plugin/elastic-package with Elastic's own tool, offline.
#
#   bash scripts/check-elastic-package.sh [PACKAGE_DIR]     (default: plugin/elastic-package)
#
# Installs elastic-package into GOPATH/bin when it is missing (cached there for later runs), then
# runs `elastic-package lint` and `elastic-package build` on a copy of the package in a temporary
# folder, so the tool's build/ output never lands in the work tree. Exit code 0 only if both pass.
# The package needs no ECS dependency (it has no data stream), so nothing is downloaded at check time.
set -euo pipefail

VERSION="v0.126.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_DIR="$(cd "${1:-$ROOT/plugin/elastic-package}" && pwd)"
export ELASTIC_PACKAGE_CHECK_UPDATE_DISABLED=true

if ! command -v go >/dev/null 2>&1; then
  echo "check-elastic-package: go is not installed; it is needed to install elastic-package ${VERSION}" >&2
  exit 3
fi

BIN_DIR="$(go env GOBIN)"
[ -n "$BIN_DIR" ] || BIN_DIR="$(go env GOPATH)/bin"
EP="$BIN_DIR/elastic-package"

installed_version() {
  [ -x "$EP" ] && "$EP" version 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1
}

if [ "$(installed_version || true)" != "$VERSION" ]; then
  echo "check-elastic-package: installing elastic-package ${VERSION} into ${BIN_DIR} (first run compiles it: a few minutes)" >&2
  start=$(date +%s)
  if ! go install "github.com/elastic/elastic-package@${VERSION}" 2>/tmp/vigil-go-install.$$; then
    # `go install pkg@version` also asks the proxy for the module's version list (deprecation
    # check); a proxy that only serves pinned versions refuses that. Build the exact version
    # from a throwaway module instead: it needs only the pinned .mod/.zip files.
    echo "check-elastic-package: go install failed ($(tail -n 1 /tmp/vigil-go-install.$$)); building from a pinned module" >&2
    TOOL_MOD="$(mktemp -d)"
    cat >"$TOOL_MOD/go.mod" <<EOF
module vigil.local/elastic-package-tool

go 1.26

require github.com/elastic/elastic-package ${VERSION}
EOF
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/elastic/elastic-package"\n' >"$TOOL_MOD/tools.go"
    (cd "$TOOL_MOD" && go mod tidy >/dev/null 2>&1 && mkdir -p "$BIN_DIR" && go build -o "$EP" github.com/elastic/elastic-package)
    rm -rf "$TOOL_MOD"
  fi
  rm -f /tmp/vigil-go-install.$$
  echo "check-elastic-package: installed in $(( $(date +%s) - start )) s" >&2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# elastic-package wants a git checkout (it looks for a .git folder) and writes to the nearest build/.
mkdir -p "$WORK/.git" "$WORK/build"
cp -R "$PKG_DIR" "$WORK/vigil"
cd "$WORK/vigil"

echo "== elastic-package lint"
"$EP" lint 2>&1 | grep -v 'CommitHash is undefined'
echo "== elastic-package build"
"$EP" build 2>&1 | grep -v 'CommitHash is undefined'
ZIP="$(ls "$WORK"/build/packages/*.zip)"
echo "package built: $(basename "$ZIP") ($(wc -c <"$ZIP") bytes)"
