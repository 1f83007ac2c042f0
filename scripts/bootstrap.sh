#!/usr/bin/env bash
# Creates .venv and installs the project with its test extras (again only when pyproject.toml changed), the
# system libraries the comparison PDF needs (Pango, and a CJK font to embed) when run as root, and compiles
# the interface translations. Each step says what it does; quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PATH="$PATH:/usr/sbin:/sbin"  # ldconfig lives there; non-login shells may lack it
step() { echo "bootstrap: $*" >&2; }

# WeasyPrint draws the comparison PDF with Pango, and embeds the CJK font fontconfig finds for Chinese text:
# without one the Chinese would print as empty boxes.
missing=()
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fontconfig fonts-wqy-microhei)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    step "installing ${missing[*]} from Debian packages (the PDF's text layout and CJK font)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    step "warning: ${missing[*]} missing; as root this script installs them (PDFs need them for Chinese text)"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  step "creating the virtual environment .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  step "upgrading pip"
  .venv/bin/pip install -q --upgrade pip
  started=$SECONDS
  step "installing the project and its test tools into .venv (first time: several minutes, torch is large)"
  .venv/bin/pip install -q --progress-bar off -e ".[test]"
  step "installed $(.venv/bin/pip list 2>/dev/null | tail -n +3 | wc -l) packages in $((SECONDS - started)) s"
  rm -f .venv/.installed-* && touch "$stamp"
fi
# Interface translations are kept as .po text; compile them for Flask-Babel.
.venv/bin/pybabel compile -d translations -f 2>/dev/null
