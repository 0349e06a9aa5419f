#!/usr/bin/env bash
# Fetches real-world documents of each format Zhiku reads from Debian 12 packages (nothing is installed: the
# .debs are downloaded and unpacked in a temporary folder) into the cache, checked by sha256. The tests in
# Tests/ZhikuIngestTests/Office/RealDocumentTests.swift read them; they skip, saying so, when this has not run.
#
#   scripts/fetch-real-documents.sh [DEST]     (default: ${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/real-docs)
set -euo pipefail
dest="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/real-docs}"

# package=version | path in the package | name in DEST | sha256
files=(
  "r-cran-officer=0.6.0+dfsg-1|usr/lib/R/site-library/officer/doc_examples/example.docx|officer-example.docx|cf22eda5ca1cd378df4ef506d9e0ecd31b407a21077c6a10ae3f20d12db324ab"
  "r-cran-officer=0.6.0+dfsg-1|usr/lib/R/site-library/officer/doc_examples/example.pptx|officer-example.pptx|9113453408f2556ac191c581cdf1d302f354f01955241d8a9b9eedcc1e63bb5f"
  "r-cran-readxl=1.4.2-1|usr/lib/R/site-library/readxl/extdata/deaths.xlsx|readxl-deaths.xlsx|0469b75be78da0ca9b956d81e2338f32fa3f45b00622cef5e6d7a278897eb80a"
  "r-cran-readxl=1.4.2-1|usr/lib/R/site-library/readxl/extdata/datasets.xlsx|readxl-datasets.xlsx|26547bbe8b4087518ba98279f8bda031fe12b47b8d2877f12ac76f41190c5783"
  "aprx=2.9.1-1|usr/share/doc/aprx/aprx-manual.odt|aprx-manual.odt|2e267d3313b070911f19fb42efe289294240846536b829c205f331b70c83cea4"
  "aprx=2.9.1-1|usr/share/doc/aprx/aprx-manual-pics.odp|aprx-manual-pics.odp|acf56647a5b1a69e7e82c8b6ae6ec3b58d8766c4fc266b9ccfd4aeea4ec07ef9"
  "golang-github-gabriel-vasile-mimetype-dev=1.4.1+dfsg1-2|usr/share/gocode/src/github.com/gabriel-vasile/mimetype/testdata/ods.ods|mimetype-testdata.ods|a522fb905231399cf7f032ce6b7dd74a56956b34ccdd671bca388b278cb87a0b"
  "debian-edu-doc-zh-cn=2.12.23~deb12u1|usr/share/doc/debian-edu-doc-zh-cn/debian-edu-bookworm-manual.epub|debian-edu-bookworm-manual.zh-cn.epub|67d6ddcf3709e9c6b832ff5a3c066128e115c8e2896be18f6a3c99e7912209dd"
  "syncplay=1.6.9+repack1-7|usr/lib/python3/dist-packages/syncplay/resources/license.rtf|syncplay-license.rtf|134a401aaf243779271297676348a4c691c93d8a406c4620e29a95b967a606a1"
  "caja-mediainfo=1.0.4+repack1-1|usr/share/caja-python/extensions/caja-mediainfo-tab/locale/zh_CN.csv|caja-mediainfo.zh_CN.csv|6fcb76cea634bcbed48b1f12033b63c789196a859a77f18eacf219317a98e07b"
)

mkdir -p "$dest"
missing=0
for entry in "${files[@]}"; do
  IFS='|' read -r _ _ name sha <<< "$entry"
  [ -f "$dest/$name" ] && [ "$(sha256sum "$dest/$name" | cut -d' ' -f1)" = "$sha" ] || missing=1
done
[ "$missing" = 0 ] && exit 0

work="$(mktemp -d "${TMPDIR:-/tmp}/zhiku-real-docs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chown _apt "$work" 2>/dev/null || true   # apt downloads as its own user
cd "$work"
failed=0
for entry in "${files[@]}"; do
  IFS='|' read -r package path name sha <<< "$entry"
  if [ -f "$dest/$name" ] && [ "$(sha256sum "$dest/$name" | cut -d' ' -f1)" = "$sha" ]; then continue; fi
  pkg="${package%%=*}"
  if ! ls "${pkg}"_*.deb >/dev/null 2>&1; then
    apt-get download -q "$package" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 || true; apt-get download -q "$package" >/dev/null; }
  fi
  mkdir -p "unpacked/$pkg"
  [ -d "unpacked/$pkg/usr" ] || dpkg -x "$(ls -1 "${pkg}"_*.deb | head -n 1)" "unpacked/$pkg"
  if [ ! -f "unpacked/$pkg/$path" ]; then echo "fetch-real-documents: $path is not in $package" >&2; failed=1; continue; fi
  cp "unpacked/$pkg/$path" "$dest/$name.part"
  if [ "$(sha256sum "$dest/$name.part" | cut -d' ' -f1)" != "$sha" ]; then
    echo "fetch-real-documents: $name from $package has the wrong sha256" >&2; rm -f "$dest/$name.part"; failed=1; continue
  fi
  mv "$dest/$name.part" "$dest/$name"
done
exit "$failed"
