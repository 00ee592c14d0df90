"""The English catalogue is complete and compiled: every Chinese source string has its translation at run time."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def catalogue_entries() -> list[tuple[str, str]]:
    text = PO.read_text(encoding="utf-8")
    entries = []
    for msgid, first, rest in re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"((?:\n".*")*)$', text, re.M):
        msgstr = first + "".join(re.findall(r'^"(.*)"$', rest, re.M))
        entries.append((msgid.replace('\\"', '"'), msgstr.replace('\\"', '"')))
    return entries


def test_catalogue_has_no_fuzzy_or_empty_entries():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    assert [msgid for msgid, msgstr in catalogue_entries() if not msgstr] == []
    # Plural entries ("%(n)s 条建议") need every form, not only the singular ones.
    empty_form = r'^msgid "(.+)"\nmsgid_plural "(?:.+)"\n(?:msgstr\[\d\] ".*"\n)*msgstr\[\d\] ""$(?!\n")'
    assert re.findall(empty_form, text, re.M) == []


def test_compiled_catalogue_matches_the_source():
    entries = catalogue_entries()
    assert len(entries) > 200
    with translation.override("en"):
        stale = [msgid for msgid, msgstr in entries if translation.gettext(msgid) != msgstr]
    assert stale == []


def test_chinese_is_the_source_language():
    with translation.override("zh-hans"):
        assert translation.gettext("居民") == "居民"
    with translation.override("en"):
        assert translation.gettext("居民") == "Residents"
