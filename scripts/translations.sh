#!/usr/bin/env bash
# Refresh the Chinese catalogue after changing interface text: extracts every message (templates,
# gettext/_/_l calls, and the services' Phrase(...) and error templates), merges them into
# translations/zh/LC_MESSAGES/messages.po (new entries get an empty msgstr to fill in) and compiles.
# With --check it changes nothing and fails, listing them, if any message lacks a translation.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --check ] || bash scripts/bootstrap.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/pybabel extract -F babel.cfg -k _l -k Phrase -k Forbidden -k NotFound -k Conflict -k PreconditionFailed \
  -k require_member:3 --sort-by-file --project "Yiqi Match" -o "$work/messages.pot" . >/dev/null 2>&1
catalogue=translations
if [ "${1:-}" = --check ]; then cp -r translations "$work/" && catalogue="$work/translations"; fi
.venv/bin/pybabel update -i "$work/messages.pot" -d "$catalogue" --no-fuzzy-matching >/dev/null 2>&1
untranslated="$(.venv/bin/python - "$catalogue/zh/LC_MESSAGES/messages.po" <<'PY'
import sys
from babel.messages.pofile import read_po
with open(sys.argv[1], "rb") as stream:
    print("\n".join(repr(m.id) for m in read_po(stream) if m.id and not m.string))
PY
)"
if [ "${1:-}" = --check ]; then
  [ -z "$untranslated" ] || { echo "untranslated:"; echo "$untranslated"; exit 1; }
else
  .venv/bin/pybabel compile -d translations >/dev/null
  [ -z "$untranslated" ] || { echo "to translate in $catalogue/zh/LC_MESSAGES/messages.po:"; echo "$untranslated"; }
fi
