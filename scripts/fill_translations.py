"""Fill msgstr entries of a .po file from a JSON dict {msgid: translation}.

Usage: python scripts/fill_translations.py path/to/messages.po translations.json
Only empty msgstrs are filled, so hand-edited translations are never overwritten.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main() -> None:
    po_path, json_path = sys.argv[1], sys.argv[2]
    with open(json_path, encoding="utf-8") as fh:
        table = json.load(fh)
    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    missing = []
    for message in catalog:
        if not message.id or message.string:
            continue
        if message.id in table:
            message.string = table[message.id]
        else:
            missing.append(message.id)
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=100)
    for m in missing:
        print(f"untranslated: {m!r}")


if __name__ == "__main__":
    main()
