"""Forms for casework pages. Labels and errors in Japanese."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "ユーザー名またはパスワードが正しくありません。大文字・小文字も区別されます。"
        ),
        "inactive": _("このアカウントは利用停止中です。システム管理者に連絡してください。"),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["username"].error_messages["required"] = _("ユーザー名を入力してください。")
        self.fields["password"].error_messages["required"] = _("パスワードを入力してください。")
