"""The English catalog covers every Vietnamese source string; the language switch works;
numbers and dates are Vietnamese style by default."""

from datetime import date
from pathlib import Path

import flask
import flask_babel
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from campaign.i18n import number, percent, short_date

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "campaign" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def extracted_msgids() -> set:
    """A fresh extraction, as `pybabel extract -F babel.cfg -k _l -k lazy_gettext` does it."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return ids


def test_english_catalog_translates_every_extracted_message():
    extracted = extracted_msgids()
    assert len(extracted) > 100  # the extraction found the app's strings
    with open(EN_PO, "rb") as f:
        catalog = read_po(f)
    by_id = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalog if m.id}
    missing = sorted(str(i) for i in extracted if i not in by_id)
    assert not missing, f"not in the English catalog (run pybabel update): {missing[:10]}"
    untranslated = []
    fuzzy = []
    for msgid in extracted:
        message = by_id[msgid]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(str(msgid))
        if message.fuzzy:
            fuzzy.append(str(msgid))
    assert not untranslated, f"untranslated: {sorted(untranslated)[:10]}"
    assert not fuzzy, f"fuzzy: {sorted(fuzzy)[:10]}"


def test_english_catalog_passes_babel_checks():
    with open(EN_PO, "rb") as f:
        catalog = read_po(f)
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert not problems


def login_page(client) -> str:
    # The autouse `db` fixture holds an app context open, so every test request shares one `g`,
    # where Flask-Babel caches the locale; forget it, as a fresh request in production would.
    flask_babel.refresh()
    return client.get("/login").get_data(as_text=True)


def test_language_switch(client):
    page = login_page(client)
    assert "Tên đăng nhập" in page

    response = client.post("/lang/en", data={"next": "/login"})
    assert response.status_code == 302
    page = login_page(client)
    assert "Username" in page
    assert "Password" in page
    assert "Tên đăng nhập" not in page
    assert '<html lang="en">' in page

    client.post("/lang/vi", data={"next": "/login"})
    page = login_page(client)
    assert "Tên đăng nhập" in page
    assert "Username" not in page


def test_unknown_language_is_ignored(client):
    client.post("/lang/xx", data={"next": "/login"})
    page = login_page(client)
    assert "Tên đăng nhập" in page


def test_numbers_and_dates_are_vietnamese_by_default(app):
    with app.test_request_context("/"):
        assert number(55289) == "55.289"
        assert percent(0.0754) == "7,54 %"
        assert short_date(date(2026, 8, 30)) == "30/08/2026"


def test_counts_take_the_english_singular_and_plural(app):
    """Vietnamese has one form; English needs "1 day" and "3 days" (ngettext, not gettext)."""
    template = "{{ ngettext('%(num)d ngày', '%(num)d ngày', n) }} · {{ ngettext('Tăng %(num)d bậc', 'Tăng %(num)d bậc', n) }}"
    with app.test_request_context("/"):
        assert flask.render_template_string(template, n=1) == "1 ngày · Tăng 1 bậc"
        with flask_babel.force_locale("en"):
            assert flask.render_template_string(template, n=1) == "1 day · Up 1 place"
            assert flask.render_template_string(template, n=3) == "3 days · Up 3 places"
