"""Two-factor sign-in (django-otp): who must use it, enrolment, backup codes, reset.

The second factor is a TOTP authenticator app (RFC 6238, any app: Microsoft Authenticator,
Google Authenticator, a password manager). Backup codes are django-otp static tokens, but
django-otp keeps those in plain text: here each token column holds a keyed hash of the code
(HMAC-SHA-256 under the secret key, `SECRET_KEY_FALLBACKS` accepted when checking), so a copy
of the database does not yield usable codes. The codes themselves are shown once, at creation.

Enrolment, new backup codes and an administrator's reset are in the change history (the
devices' history models, casework/models/twofactor.py) and so in the audit chain.
"""

from __future__ import annotations

import base64
import secrets
import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django_otp.util import hex_validator

from casework.models import User
from casework.writes import CaseRuleError, service

BACKUP_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper.
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_HALF = 5
TOTP_NAME = "認証アプリ"
BACKUP_NAME = "予備コード"
HASH_SALT = "mimamori.twofactor.backup-code"


def required_for(user: User) -> bool:
    """Must this user sign in with a second factor (and enrol before anything else)?"""
    if settings.MIMAMORI_2FA_FOR_EVERYONE:
        return True
    roles = settings.MIMAMORI_2FA_REQUIRED_ROLES
    return bool(roles) and user.has_role(*roles)


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- enrolment --------------------------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP secret (hex, as django-otp stores it), kept in the session until confirmed."""
    return default_key()


def valid_secret(key: object) -> bool:
    if not isinstance(key, str) or len(key) != 40:
        return False
    try:
        hex_validator()(key)
    except Exception:  # noqa: BLE001 - any malformed value is simply not a secret
        return False
    return True


def secret_for_typing(key: str) -> str:
    """The secret in base32, in groups of four, for an app that cannot scan the QR code."""
    text = base64.b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user: User, key: str) -> str:
    return TOTPDevice(user=user, key=key, name=TOTP_NAME).config_url


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code, drawn here (no external service)."""
    import segno

    return segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#1a1a1a", light="#ffffff", svgclass="qr-code", omitsize=False
    )


def normalize(code: str) -> str:
    """Full-width digits, spaces and hyphens as people type them off a phone or paper."""
    text = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in text if ch not in " -\u3000\t").lower()


def totp_matches(key: str, code: str) -> bool:
    code = normalize(code)
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = TOTP(bytes.fromhex(key))
    return totp.verify(int(code), tolerance=1)


@service
def totp_enrol(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a new authenticator app with a code it shows; replace any earlier device and
    issue new backup codes. None if the code does not match (nothing is saved)."""
    if not valid_secret(key) or not totp_matches(key, code):
        return None
    for old in TOTPDevice.objects.select_for_update().filter(user=user):
        _delete(old, actor=user, reason="二段階認証の再登録（以前の認証アプリを削除）")
    device = TOTPDevice(user=user, key=key, name=TOTP_NAME, confirmed=True)
    device.last_t = TOTP(bytes.fromhex(key)).t()  # the code just typed cannot be used again
    _save(device, actor=user, reason="二段階認証の登録")
    return device, _replace_backup_codes(user=user, actor=user)


@service
def backup_codes_renew(*, user: User) -> list[str]:
    """New backup codes (the old ones stop working); only for a user with an app enrolled."""
    if not has_second_factor(user):
        raise CaseRuleError("先に認証アプリを登録してください。")
    return _replace_backup_codes(user=user, actor=user)


def _replace_backup_codes(*, user: User, actor: User) -> list[str]:
    for old in StaticDevice.objects.select_for_update().filter(user=user):
        _delete(old, actor=actor, reason="予備コードの再発行（以前のコードを無効化）")
    device = StaticDevice(user=user, name=BACKUP_NAME, confirmed=True)
    _save(device, actor=actor, reason="予備コードの発行")
    codes = [_new_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code_hash(code)) for code in codes]
    )
    return codes


def _new_code() -> str:
    raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(2 * BACKUP_HALF))
    return f"{raw[:BACKUP_HALF]}-{raw[BACKUP_HALF:]}"


def code_hash(code: str, secret: str | None = None) -> str:
    """What the token column keeps: 16 hex digits of an HMAC of the normalized code."""
    return salted_hmac(HASH_SALT, normalize(code), secret=secret, algorithm="sha256").hexdigest()[
        :16
    ]


def _hashes(code: str) -> list[str]:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_hash(code, secret=key) for key in keys]


# --- sign-in ----------------------------------------------------------------------------------


def verify(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `code` (an app's six digits, or a backup code, used up), or None.

    django-otp saves the app's counters on every try; those saves are not changes anyone made,
    so they leave no history row."""
    code = normalize(code)
    if not code or len(code) > 32:
        return None
    with transaction.atomic():
        if code.isdigit():
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                device.skip_history_when_saving = True
                if device.verify_token(code):
                    return device
            return None
        token = (
            StaticToken.objects.select_for_update()
            .select_related("device")
            .filter(device__user=user, device__confirmed=True, token__in=_hashes(code))
            .first()
        )
        if token is None:
            return None
        device = token.device
        token.delete()
        return device


# --- reset by an administrator ----------------------------------------------------------------


@service
def two_factor_reset(*, user: User, actor: User, reason: str) -> int:
    """Remove every second-factor device of `user` (a lost phone): they enrol again at their
    next sign-in. Each removal is a history row with the administrator and the reason."""
    devices = [
        *TOTPDevice.objects.select_for_update().filter(user=user),
        *StaticDevice.objects.select_for_update().filter(user=user),
    ]
    if not devices:
        raise CaseRuleError("この職員は二段階認証を登録していません。", field="reason")
    for device in devices:
        _delete(device, actor=actor, reason=f"二段階認証のリセット：{reason}")
    return len(devices)


def _save(device, *, actor: User, reason: str) -> None:
    device._history_user = actor
    device._change_reason = reason
    device.full_clean()
    device.save()


def _delete(device, *, actor: User, reason: str) -> None:
    device._history_user = actor
    device._change_reason = reason
    device.delete()
