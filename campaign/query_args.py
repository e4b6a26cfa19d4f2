"""Query strings that choose rows for a change, an export or an API answer.

A parameter such a route does not know must not be dropped: dropping a filter widens the
selection (a misspelt `hamlett=` on the bulk action approved a lead's whole ward). These routes
declare what they read with `known_args`, and anything else is a 422 that names it, before the
view runs. Plain pages do not use it: they ignore unknown parameters, because shared links
arrive with `?fbclid=…` and the like.
"""

from functools import wraps

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import UnprocessableEntity
from wtforms.fields.core import UnboundField


class UnknownParameters(UnprocessableEntity):
    """Answered by campaign.errors: JSON for the API, a page otherwise."""

    def __init__(self, names: list[str]):
        super().__init__()
        self.names = names

    @property
    def message(self) -> str:
        return _(
            "Không hiểu tham số: %(names)s. Yêu cầu bị từ chối để không áp dụng nhầm cho dữ liệu khác.",
            names=", ".join(self.names),
        )

    @property
    def fields(self) -> dict:
        return {name: [_("Tham số không được hỗ trợ.")] for name in self.names}


def field_names(form_class) -> set[str]:
    """The fields of a WTForms form class, without building it (it may need a request's user)."""
    return {
        name
        for name in dir(form_class)
        if isinstance(getattr(form_class, name, None), UnboundField) and name != "csrf_token"
    }


def refuse_unknown(given, allowed) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise UnknownParameters(unknown)


def known_args(*allowed):
    """Refuse query parameters other than these (names, or form classes whose fields count)."""
    names = set()
    for item in allowed:
        names |= {item} if isinstance(item, str) else field_names(item)
    names = frozenset(names)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            refuse_unknown(request.args.keys(), names)
            return view(*args, **kwargs)

        wrapped.known_args = names
        return wrapped

    return decorator
