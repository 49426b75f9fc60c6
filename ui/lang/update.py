#!/usr/bin/env python3
"""Refreshes ui/lang/<lang>/LC_MESSAGES/urne-kiosk.po from the @tr() strings of ui/.

The screens' source strings are French; each catalogue translates them. This script runs
`slint-tr-extractor` (cargo install slint-tr-extractor --version =<slint version>) into a
template, keeps every existing translation, adds the new strings with an empty msgstr and
lists them, and drops strings no longer used. A test (firmware-ui/tests/translations.rs)
fails while any string lacks a translation.

Usage: python3 ui/lang/update.py
"""

import pathlib
import re
import subprocess
import sys
import tempfile

UI = pathlib.Path(__file__).resolve().parent.parent
DOMAIN = "urne-kiosk"


def parse_po(text):
    """Returns {msgid: (msgid_plural or None, [msgstr...])}, ignoring the header."""
    entries = {}
    blocks = re.split(r"\n\s*\n", text)
    for block in blocks:
        fields = {}
        current = None
        for line in block.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"$', line)
            if m:
                current = m.group(1)
                fields[current] = bytes(m.group(2), "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
            elif line.startswith('"') and current:
                fields[current] += bytes(line[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        if "msgid" in fields and fields["msgid"]:
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries[fields["msgid"]] = (fields.get("msgid_plural"), strs)
    return entries


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    files = sorted(str(p) for p in UI.rglob("*.slint"))
    with tempfile.TemporaryDirectory() as tmp:
        pot = pathlib.Path(tmp) / "urne.pot"
        subprocess.run(["slint-tr-extractor", "--no-default-translation-context",
                        "--package-name", DOMAIN, "-o", str(pot), *files], check=True)
        template = parse_po(pot.read_text(encoding="utf-8"))
    for lang_dir in sorted((UI / "lang").iterdir()):
        if not lang_dir.is_dir():
            continue
        po = lang_dir / "LC_MESSAGES" / f"{DOMAIN}.po"
        existing = parse_po(po.read_text(encoding="utf-8")) if po.exists() else {}
        out = [
            'msgid ""',
            'msgstr ""',
            f'"Project-Id-Version: {DOMAIN}\\n"',
            f'"Language: {lang_dir.name}\\n"',
            '"MIME-Version: 1.0\\n"',
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            '"Content-Transfer-Encoding: 8bit\\n"',
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
            "",
        ]
        missing = []
        for msgid, (plural, _) in template.items():
            _, strs = existing.get(msgid, (None, []))
            out.append(f"msgid {quote(msgid)}")
            if plural is not None:
                out.append(f"msgid_plural {quote(plural)}")
                strs = (strs + ["", ""])[:2]
                for i, s in enumerate(strs):
                    out.append(f"msgstr[{i}] {quote(s)}")
            else:
                s = strs[0] if strs else ""
                out.append(f"msgstr {quote(s)}")
                strs = [s]
            if any(not s for s in strs):
                missing.append(msgid)
            out.append("")
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_text("\n".join(out), encoding="utf-8")
        for m in missing:
            print(f"{lang_dir.name}: untranslated: {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
