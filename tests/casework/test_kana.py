"""Kana folding for name search (issue 12 item 3): variants of one name fold alike."""

import pytest

from casework.kana import fold_kana, name_parts


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("もりた", "もりた"),
        ("モリタ", "もりた"),  # katakana
        ("ﾓﾘﾀ", "もりた"),  # 半角
        ("もり　た", "もりた"),  # a full-width space
        ("ヴァイオレット", "ばいおれつと"),  # ヴ and a small ァ, a small ッ
        ("バイオレット", "ばいおれつと"),
        ("ゆうこ", "ゆうこ"),
        ("ユーコ", "ゆうこ"),  # a long mark reads as its vowel
        ("ゆーこ", "ゆうこ"),
        ("ケーコ", "けいこ"),  # e-row: written けい
        ("コータ", "こうた"),  # o-row: written こう
        ("きょうこ", "きようこ"),  # small ょ
        ("ちぢみ", "ちじみ"),  # ぢ/じ
        ("つづき", "つずき"),  # づ/ず
        ("", ""),
    ],
)
def test_variants_of_a_name_fold_alike(typed, folded):
    assert fold_kana(typed) == folded


def test_a_typed_name_splits_at_either_space():
    assert name_parts("もり　ひまり") == ["もり", "ひまり"]
    assert name_parts(" もり  ひまり ") == ["もり", "ひまり"]
    assert name_parts("もり") == ["もり"]
