"""The password rule, in one place: long enough and not a well-known password (OWASP ASVS 2.1).

No composition rules. The list of common passwords is Django's (19,640 entries from Royce
Williams' list, BSD licence, `common-passwords.txt.gz`) plus Vietnamese favourites
(`common-passwords-vi.txt`). Matching ignores case, diacritics, spaces and trailing digits or
symbols, so "Mật khẩu 2026!" counts as "matkhau".
"""

import gzip
import re
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 200
HERE = Path(__file__).parent
LISTS = (HERE / "common-passwords.txt.gz", HERE / "common-passwords-vi.txt")
_TRAILING = re.compile(r"[\d\W_]+$")


def normalise(password: str) -> str:
    """Lower case, without Vietnamese diacritics or spaces."""
    text = unicodedata.normalize("NFD", password.lower().replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace())


@cache
def common_passwords() -> frozenset[str]:
    words: set[str] = set()
    for path in LISTS:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.strip() and not line.startswith("#"):
                    words.add(normalise(line.strip()))
    return frozenset(words)


_RUNS = "01234567890123456789" + "abcdefghijklmnopqrstuvwxyz"


def is_common(password: str) -> bool:
    """Listed (with or without trailing digits/symbols), one repeated chunk, or a plain run."""
    plain = normalise(password)
    stem = _TRAILING.sub("", plain)
    listed = common_passwords()
    if plain in listed or (stem and stem in listed):
        return True
    repeated = any(len(plain) % n == 0 and plain == plain[:n] * (len(plain) // n) for n in range(1, 7))
    return repeated or plain in _RUNS or plain in _RUNS[::-1]


def password_problem(password: str, username: str = "") -> str | None:
    """A message saying what is wrong with the password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Mật khẩu dài quá %(n)d ký tự.", n=MAX_LENGTH)
    if is_common(password) or (username and normalise(username) in normalise(password)):
        return _("Mật khẩu này quá dễ đoán. Hãy chọn một câu dài hơn, khó đoán hơn.")
    return None
