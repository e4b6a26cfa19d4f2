"""Upload, preview, apply: the pages every province-wide import shares (the hamlet file, the rosters).

Each import names an `Upload` (what it reads, previews and applies, and the page it belongs to),
and `add_routes` serves its three steps:
- GET `<rule>`: the form (a file or pasted lines);
- POST `<rule>/preview`: what applying would do, with every error by line; the file is staged;
- POST `<rule>/apply`: the staged file previewed again (the database may have changed), then
  stored all or nothing, and back to the page it belongs to.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import imports
from campaign.campaigns.models import OrgKind
from campaign.campaigns.services import SetupError
from campaign.extensions import db
from campaign.i18n import number
from campaign.imports import ImportFileError, Preview
from campaign.onboarding.forms import ORG_CHOICES, ApplyForm, FileOrPasteForm


def form_error(form) -> str:
    """The first message of a form that did not validate, for a page that shows one."""
    return next((str(m) for messages in form.errors.values() for m in messages), _("Yêu cầu không hợp lệ."))


@dataclass
class Upload:
    """One kind of province-wide import: what it is, what it previews and applies, where it lives."""

    kind: str  # the staged file's kind
    title: str
    columns: list[str]
    back: str  # the page it belongs to; the apply step returns there
    preview: Callable[[bytes], Preview]
    apply: Callable[..., dict]  # (user, preview) -> the counts
    hint: str
    action: str = ""  # the preview step's URL
    apply_action: str = ""


def add_routes(
    bp: Blueprint, endpoint: str, rule: str, upload_for: Callable[[int], Upload], *, form_page=True
):
    """Serve an import's steps at `rule`, `rule/preview` and `rule/apply`, as the endpoints
    `endpoint`, `endpoint_preview` and `endpoint_apply` (without `form_page`, the form sits on
    another page). `upload_for(code)` loads the area, checks access and names the Upload."""

    def load(code: int) -> Upload:
        upload = upload_for(code)
        upload.action = url_for(f".{endpoint}_preview", code=code)
        upload.apply_action = url_for(f".{endpoint}_apply", code=code)
        return upload

    def form(code: int):
        return page(load(code))

    def preview(code: int):
        imports.allow_upload()  # before the form is read
        return preview_step(load(code))

    def apply(code: int):
        return apply_step(load(code))

    if form_page:
        bp.add_url_rule(rule, endpoint, login_required(form), methods=["GET"])
    bp.add_url_rule(f"{rule}/preview", f"{endpoint}_preview", login_required(preview), methods=["POST"])
    bp.add_url_rule(f"{rule}/apply", f"{endpoint}_apply", login_required(apply), methods=["POST"])


def form_context(upload: Upload) -> dict:
    """What `onboarding/_upload_form.html` reads, on the upload page or on another."""
    return {
        "upload": upload,
        "form": FileOrPasteForm(formdata=None),
        "max_rows": imports.PROVINCE_MAX_ROWS,
        "max_size": imports.size_text(imports.PROVINCE_MAX_BYTES),
    }


def page(upload: Upload, error: str | None = None, status: int = 200):
    context = form_context(upload)
    return render_template("onboarding/upload.html", action=upload.action, error=error, **context), status


def preview_step(upload: Upload):
    """Read the file (or the pasted lines), preview it, and keep it for the apply step."""
    form = FileOrPasteForm()
    try:
        if not form.validate_on_submit():
            raise ImportFileError(form_error(form))
        data = imports.read_bytes(form.data_or_none(), imports.PROVINCE_MAX_BYTES)
        result = upload.preview(data)
    except ImportFileError as error:
        return page(upload, str(error), 422)
    token = imports.stage(data, upload.kind, current_user.id) if result.ok else None
    return _preview_page(upload, result, token)


def _preview_page(upload: Upload, result: Preview, token: str | None, error: str | None = None):
    return render_template(
        "onboarding/preview.html",
        upload=upload,
        result=result,
        token=token,
        apply_action=upload.apply_action,
        new_teams=list(result.plan.get("teams", {}).values()),
        org_choices=ORG_CHOICES,
        error=error,
        form=ApplyForm(formdata=None, token=token),
    ), (200 if result.ok and not error else 422)


def apply_step(upload: Upload):
    form = ApplyForm()
    if not form.validate_on_submit():
        return page(upload, _("Bản xem trước đã hết hạn. Hãy tải tệp lên lại."), 422)
    token = form.token.data
    try:
        result = upload.preview(imports.staged(token, upload.kind, current_user.id))
        if not result.ok:
            return _preview_page(upload, result, None)
        if result.plan.get("teams") and not form.create_teams.data:
            return _preview_page(upload, result, token, _("Hãy đánh dấu “Tạo các đội mới” để tiếp tục."))
        totals = imports.apply_all_or_nothing(upload.apply, current_user, result)
    except (ImportFileError, SetupError) as error:
        db.session.rollback()
        return page(upload, str(error), 422)
    db.session.commit()
    imports.unstage(token, upload.kind, current_user.id)
    counts = {name: number(totals[name]) for name in ("new", "changed", "unchanged")}
    flash(_("Đã nhập: %(new)s mới, %(changed)s cập nhật, %(unchanged)s không đổi.", **counts), "info")
    return redirect(upload.back)


def team_kinds(result: Preview) -> dict:
    """The organisation chosen on the preview page for each team the roster creates."""
    kinds = {}
    for index, key in enumerate(result.plan.get("teams", {})):
        value = request.form.get(f"org-{index}", "")
        kinds[key] = OrgKind(value) if value in OrgKind._value2member_map_ else None
    return kinds
