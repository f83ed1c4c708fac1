#!/usr/bin/env bash
# Refresh a translation catalog after changing user-facing text.
#   scripts/i18n.sh core      -> templates/*.html (top level) + tokenmart/core, accounts, ledger,
#                                notifications, home, apidocs  -> translations/
#   scripts/i18n.sh DOMAIN    -> tokenmart/DOMAIN + templates/DOMAIN -> tokenmart/DOMAIN/translations/
# Then edit the msgstr lines in the .po file (zh_Hans). The app compiles .po -> .mo on start.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
domain="${1:?usage: scripts/i18n.sh core|DOMAIN}"
pot="$(mktemp --suffix=.pot)"
if [ "$domain" = core ]; then
  out=translations
  mkdir -p /tmp/tm_i18n_core && rm -rf /tmp/tm_i18n_core/* && cp templates/*.html /tmp/tm_i18n_core/
  "$PYBABEL" -q extract -F babel.cfg -k _l -o "$pot" tokenmart/core tokenmart/accounts tokenmart/ledger \
    tokenmart/notifications tokenmart/home tokenmart/apidocs tokenmart/errors.py tokenmart/__init__.py templates/accounts \
    templates/ledger templates/notifications templates/apidocs templates/base.html templates/_macros.html \
    templates/error.html templates/home.html
else
  out="tokenmart/$domain/translations"
  srcs=("tokenmart/$domain")
  [ -d "templates/$domain" ] && srcs+=("templates/$domain")
  "$PYBABEL" -q extract -F babel.cfg -k _l -o "$pot" "${srcs[@]}"
fi
if [ -f "$out/zh_Hans/LC_MESSAGES/messages.po" ]; then
  "$PYBABEL" -q update -i "$pot" -d "$out" -l zh_Hans --no-fuzzy-matching
else
  mkdir -p "$out"
  "$PYBABEL" -q init -i "$pot" -d "$out" -l zh_Hans
fi
rm -f "$pot"
echo "Updated $out/zh_Hans/LC_MESSAGES/messages.po; fill in the empty msgstr lines."
