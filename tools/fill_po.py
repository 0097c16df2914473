"""Fill empty msgstr entries of a .po file from a TSV (msgid<TAB>msgstr); report what is still missing.

Usage: python tools/fill_po.py anxin/locale/zh_Hans/LC_MESSAGES/django.po [translations.tsv]
A TSV key "context::msgid" fills a pgettext entry.
Without a TSV it only reports untranslated entries (exit 1 if any), so CI can check completeness.
"""

import re
import sys

PLURALS = {
    "%(counter)s row is valid.": "%(counter)s 行有效。",
    "%(counter)s problem found; nothing was imported.": "发现 %(counter)s 个问题，未导入任何数据。",
    "%(counter)s order": "共 %(counter)s 个工单",
    "%(n)s item to follow up — listed first.": "%(n)s 项待跟进，列在最前。",
    "%(n)s order": "共 %(n)s 个工单",
    "%(n)s waiting": "%(n)s 人等候",
    "%(n)s window open": "开放窗口 %(n)s 个",
    "%(n)s photo sent": "已发送 %(n)s 张照片",
    "This page is past the end of the list, which has %(counter)s page.": "这一页已超出列表末尾，列表共 %(counter)s 页。",
}


def unquote(block: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)).replace('\\"', '"').replace("\\n", "\n")


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> int:
    path = sys.argv[1]
    table = dict(PLURALS)
    if len(sys.argv) > 2:
        for line in open(sys.argv[2], encoding="utf-8"):
            if "\t" in line:
                key, value = line.rstrip("\n").split("\t", 1)
                table[key.replace("\\n", "\n")] = value.replace("\\n", "\n")  # "\n" in the TSV: a line break
    text = open(path, encoding="utf-8").read()
    entries = text.split("\n\n")
    missing = []
    for i, entry in enumerate(entries):
        m = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if not m:
            continue
        msgid = unquote(m.group(1))
        if not msgid:
            continue
        ctxt = re.search(r'^msgctxt ((?:".*"\n?)+)', entry, re.M)
        lookup = f"{unquote(ctxt.group(1))}::{msgid}" if ctxt else msgid  # TSV key "context::msgid" for pgettext
        if re.search(r"^#,.*\bfuzzy\b", entry, re.M):
            # makemessages' fuzzy guess is often another string's translation: never keep it.
            entry = re.sub(r"^#\|.*\n", "", entry, flags=re.M)
            entry = re.sub(r"^#, fuzzy\n", "", entry, flags=re.M)
            entry = re.sub(r"^(#,.*?)\bfuzzy, |^(#,.*?), fuzzy\b", lambda m: m.group(1) or m.group(2), entry,
                           flags=re.M)
            key0 = r"msgstr\[0\]" if "msgid_plural" in entry else r"msgstr"
            entry = re.sub(rf'^{key0} ((?:".*"\n?)+)', f'{key0.replace(chr(92), "")} ""\n', entry, flags=re.M)
            entry = entry.rstrip("\n")
        # A msgstr may be wrapped over several lines (msgstr "" then "…" lines): read the whole block.
        key = r"msgstr\[0\]" if "msgid_plural" in entry else r"msgstr"
        m_str = re.search(rf'^{key} ((?:".*"\n?)+)', entry, re.M)
        translated = bool(m_str and unquote(m_str.group(1)))
        if not translated and lookup in table:
            # Chinese has one plural form (nplurals=1): msgstr[0] only.
            line = f"{key.replace(chr(92), '')} {quote(table[lookup])}\n"
            entry = re.sub(rf'^{key} ((?:".*"\n?)+)', lambda _m, line=line: line, entry, flags=re.M).rstrip("\n")
            entry = re.sub(r'\nmsgstr\[1\] .*', "", entry)
            translated = True
        if not translated:
            missing.append(lookup)
        entries[i] = entry
    open(path, "w", encoding="utf-8").write("\n\n".join(entries))
    for msgid in missing:
        print(f"untranslated: {msgid}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
