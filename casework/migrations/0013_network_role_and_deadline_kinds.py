"""The 子ども家庭支援センター's workers get a role of their own (`network`, PRODUCT §2), and the
ledger three new kinds of due item (要対協 reviews, views heard afterwards, the steps of the
ladder when a child cannot be seen: DOMAIN §3, §10, §11)."""

from django.db import migrations, models


def create_network_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="network")


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0012_two_factor'),
    ]

    operations = [
        migrations.RunPython(create_network_role, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='deadline',
            name='kind',
            field=models.CharField(choices=[('safety_check', '48時間以内の安全確認'), ('warrant_request', '一時保護状の請求（7日以内）'), ('protection_limit', '一時保護の期間（2か月）'), ('extension_limit', '延長した一時保護の期間'), ('appeal', '準抗告（却下から3日以内）'), ('handbook_rejudgment', '愛の手帳の再判定'), ('handbook_referral', '18歳：東京都心身障害者福祉センターへの引継ぎ'), ('foster_renewal', '里親登録の更新'), ('plan_approval', '援助方針の承認待ち'), ('closure_approval', '終結の承認待ち'), ('network_review', '要対協の進行管理（次回の確認）'), ('views_afterwards', '意見聴取（決定後速やかに）'), ('safety_step', '出頭要求・立入調査等の期日')], max_length=30, verbose_name='種類'),
        ),
        migrations.AlterField(
            model_name='historicaldeadline',
            name='kind',
            field=models.CharField(choices=[('safety_check', '48時間以内の安全確認'), ('warrant_request', '一時保護状の請求（7日以内）'), ('protection_limit', '一時保護の期間（2か月）'), ('extension_limit', '延長した一時保護の期間'), ('appeal', '準抗告（却下から3日以内）'), ('handbook_rejudgment', '愛の手帳の再判定'), ('handbook_referral', '18歳：東京都心身障害者福祉センターへの引継ぎ'), ('foster_renewal', '里親登録の更新'), ('plan_approval', '援助方針の承認待ち'), ('closure_approval', '終結の承認待ち'), ('network_review', '要対協の進行管理（次回の確認）'), ('views_afterwards', '意見聴取（決定後速やかに）'), ('safety_step', '出頭要求・立入調査等の期日')], max_length=30, verbose_name='種類'),
        ),
    ]
