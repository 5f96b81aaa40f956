#!/usr/bin/env bash
# Refreshes the browser assets the server embeds (GraphiQL and the React it
# runs on, the Natural Earth country boundaries of world-atlas and the U.S.
# state boundaries of us-atlas) and axe-core, which the browser test runs,
# from the npm registry, and records their versions and checksums in
# assets/vendor/VERSIONS. The server never fetches anything at run time: these
# files are compiled into the binary, so GraphiQL works with no connection.
#
#   scripts/refresh-vendor-assets.sh                 # the pinned versions below
#   GRAPHIQL_VERSION=3.8.3 scripts/refresh-vendor-assets.sh
#
# GraphiQL 3 is the last major version published with a browser (UMD) build;
# later versions ship only ES modules meant for a bundler or a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL_VERSION="${GRAPHIQL_VERSION:-3.8.3}"
REACT_VERSION="${REACT_VERSION:-18.3.1}"
WORLD_ATLAS_VERSION="${WORLD_ATLAS_VERSION:-2.0.2}"
US_ATLAS_VERSION="${US_ATLAS_VERSION:-3.0.1}"
AXE_VERSION="${AXE_VERSION:-4.14.1}"
out=assets/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package version
    (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
    local tarball="$work/${1}-${2}.tgz"
    mkdir -p "$work/$1"
    tar -xzf "$tarball" -C "$work/$1"
    local integrity
    integrity=$(npm view "$1@$2" dist.integrity)
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(npm view "$1@$2" dist.tarball)" "$integrity" >>"$work/VERSIONS"
}

printf 'package\tversion\ttarball\tintegrity\n' >"$work/VERSIONS"
fetch graphiql "$GRAPHIQL_VERSION"
fetch react "$REACT_VERSION"
fetch react-dom "$REACT_VERSION"
fetch world-atlas "$WORLD_ATLAS_VERSION"
fetch us-atlas "$US_ATLAS_VERSION"
fetch axe-core "$AXE_VERSION"

mkdir -p "$out"
cp "$work/graphiql/package/graphiql.min.js" "$out/graphiql.min.js"
cp "$work/graphiql/package/graphiql.min.css" "$out/graphiql.min.css"
cp "$work/graphiql/package/LICENSE" "$out/LICENSE.graphiql"
cp "$work/react/package/umd/react.production.min.js" "$out/react.production.min.js"
cp "$work/react/package/LICENSE" "$out/LICENSE.react"
cp "$work/react-dom/package/umd/react-dom.production.min.js" "$out/react-dom.production.min.js"
# Countries at 1:110m (keyed by ISO 3166-1 numeric code) and U.S. states
# already projected (Albers USA): small enough to embed, fine enough for a
# choropleth.
cp "$work/world-atlas/package/countries-110m.json" "$out/countries-110m.json"
cp "$work/world-atlas/package/LICENSE" "$out/LICENSE.world-atlas"
cp "$work/us-atlas/package/states-albers-10m.json" "$out/states-albers-10m.json"
cp "$work/us-atlas/package/LICENSE" "$out/LICENSE.us-atlas"
cp "$work/axe-core/package/axe.min.js" "$out/axe.min.js"
cp "$work/axe-core/package/LICENSE" "$out/LICENSE.axe-core"
cp "$work/VERSIONS" "$out/VERSIONS"
ls -l "$out"
