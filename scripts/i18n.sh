#!/usr/bin/env bash
# The English catalog: source strings are Chinese (zh_CN is the default locale); English
# translations live in web/translations/en/LC_MESSAGES/messages.po.
#   bash scripts/i18n.sh          extract the strings, merge them into the .po, compile the .mo
#   bash scripts/i18n.sh compile  only compile (after editing translations)
set -euo pipefail
cd "$(dirname "$0")/.."
B=.venv/bin/pybabel
POT=web/translations/messages.pot
if [ "${1:-}" != "compile" ]; then
  $B -q extract -F web/babel.cfg -k _ -k gettext -k ngettext:1,2 -k lazy_gettext \
    --no-location --sort-output -o "$POT" web workflows
  .venv/bin/python scripts/i18n_vocab.py "$POT"
  if [ -f web/translations/en/LC_MESSAGES/messages.po ]; then
    $B -q update -i "$POT" -d web/translations -l en --no-fuzzy-matching --ignore-obsolete
  else
    $B -q init -i "$POT" -d web/translations -l en
  fi
fi
$B -q compile -d web/translations -l en --use-fuzzy
