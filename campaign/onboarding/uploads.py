"""Preview, then apply: the steps the hamlet file and the rosters share."""

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from campaign import imports
from campaign.campaigns.models import OrgKind
from campaign.campaigns.services import SetupError
from campaign.extensions import db
from campaign.i18n import number
from campaign.imports import ImportFileError
from campaign.onboarding import roster
from campaign.onboarding.forms import ORG_CHOICES, ApplyForm, FileOrPasteForm


def _form_error(form) -> str:
    return next((str(m) for messages in form.errors.values() for m in messages), _("Yêu cầu không hợp lệ."))


# --- preview, then apply (the hamlet file and rosters share these steps) -----------------------


class Upload:
    """One kind of province-wide import: where it lives, what it previews and applies."""

    def __init__(self, kind, title, columns, back, preview, apply, hint):
        self.kind, self.title, self.columns, self.back = kind, title, columns, back
        self.preview, self.apply, self.hint = preview, apply, hint


def _upload_page(upload: Upload, action: str, error: str | None = None, status: int = 200):
    return render_template(
        "onboarding/upload.html",
        upload=upload,
        action=action,
        form=FileOrPasteForm(formdata=None),
        error=error,
        max_rows=imports.PROVINCE_MAX_ROWS,
        max_size=imports.size_text(imports.PROVINCE_MAX_BYTES),
    ), status


def _do_preview(upload: Upload, action: str, apply_action: str):
    """Read the file (or the pasted lines), preview it, and keep it for the apply step."""
    form = FileOrPasteForm()
    try:
        if not form.validate_on_submit():
            raise ImportFileError(_form_error(form))
        data = imports.read_bytes(form.data_or_none(), imports.PROVINCE_MAX_BYTES)
        result = upload.preview(data)
    except ImportFileError as error:
        return _upload_page(upload, action, str(error), 422)
    token = imports.stage(data, upload.kind, current_user.id) if result.ok else None
    return _preview_page(upload, result, token, apply_action, action)


def _preview_page(upload: Upload, result, token, apply_action: str, action: str, error=None):
    new_teams = list(result.plan.get("teams", {}).values()) if upload.kind == roster.KIND else []
    return render_template(
        "onboarding/preview.html",
        upload=upload,
        result=result,
        token=token,
        apply_action=apply_action,
        action=action,
        new_teams=new_teams,
        org_choices=ORG_CHOICES,
        error=error,
        form=ApplyForm(formdata=None, token=token),
    ), (200 if result.ok and not error else 422)


def _team_kinds(result) -> dict:
    kinds = {}
    for index, key in enumerate(result.plan.get("teams", {})):
        value = request.form.get(f"org-{index}", "")
        kinds[key] = OrgKind(value) if value in OrgKind._value2member_map_ else None
    return kinds


def _do_apply(upload: Upload, action: str, apply_action: str, done: str):
    form = ApplyForm()
    if not form.validate_on_submit():
        return _upload_page(upload, action, _("Bản xem trước đã hết hạn. Hãy tải tệp lên lại."), 422)
    token = form.token.data
    try:
        data = imports.staged(token, upload.kind, current_user.id)
        result = upload.preview(data)  # again: the database may have changed since the preview
        if not result.ok:
            return _preview_page(upload, result, None, apply_action, action)
        if result.plan.get("teams") and not form.create_teams.data:
            return _preview_page(
                upload, result, token, apply_action, action, _("Hãy đánh dấu “Tạo các đội mới” để tiếp tục.")
            )
        if upload.kind == roster.KIND:
            totals = imports.apply_all_or_nothing(upload.apply, current_user, result, _team_kinds(result))
        else:
            totals = imports.apply_all_or_nothing(upload.apply, current_user, result)
    except (ImportFileError, SetupError) as error:
        db.session.rollback()
        return _upload_page(upload, action, str(error), 422)
    db.session.commit()
    imports.unstage(token, upload.kind, current_user.id)
    flash(
        _(
            "Đã nhập: %(new)s mới, %(changed)s cập nhật, %(unchanged)s không đổi.",
            new=number(totals["new"]),
            changed=number(totals["changed"]),
            unchanged=number(totals["unchanged"]),
        ),
        "info",
    )
    return redirect(done)
