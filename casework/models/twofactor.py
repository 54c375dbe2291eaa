"""Change history for django-otp's second-factor devices, like every other record (STYLE §6).

Enrolment, new backup codes and an administrator's reset each leave a history row (and so a link
of the audit chain) with who did it and why. The TOTP secret and the counters django-otp updates
on every sign-in (last use, drift, throttling) are left out: the history must not keep a secret,
and a sign-in is not a change (it is in the access log).
"""

from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history import register

COUNTERS = ["last_used_at", "throttling_failure_timestamp", "throttling_failure_count"]

register(TOTPDevice, app="casework", excluded_fields=["key", "drift", "last_t", *COUNTERS])
register(StaticDevice, app="casework", excluded_fields=COUNTERS)
