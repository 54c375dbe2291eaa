"""Kana as people type it, folded so that variants find each other (issue 12: finding a child).

A name is searched through keyed blind indexes, never by decrypting the table; the index is
taken over the folded form, so that ヴ/ブ, small kana, long vowels, 全角/半角 and katakana/
hiragana variants of the same name give the same index."""

from __future__ import annotations

import unicodedata

import jaconv

SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
# Spellings that sound alike and are written either way on forms and registers.
ALIKE = [
    ("ゔぁ", "ば"),
    ("ゔぃ", "び"),
    ("ゔぇ", "べ"),
    ("ゔぉ", "ぼ"),
    ("ゔ", "ぶ"),
    ("ぢ", "じ"),
    ("づ", "ず"),
    ("ゐ", "い"),
    ("ゑ", "え"),
]
LONG_MARKS = "ー－‐―〜~"
ROWS = {
    "あ": "あかさたなはまやらわがざだばぱ",
    "い": "いきしちにひみりぎじぢびぴ",
    "う": "うくすつぬふむゆるぐずづぶぷ",
    "え": "えけせてねへめれげぜでべぺ",
    "お": "おこそとのほもよろをごぞどぼぽ",
}
# A long mark reads as the vowel names are written with: ユー → ゆう, ケー → けい, コー → こう.
LONG_AS = {"あ": "あ", "い": "い", "う": "う", "え": "い", "お": "う"}
VOWEL_OF = {kana: LONG_AS[vowel] for vowel, row in ROWS.items() for kana in row}


def fold_kana(value: str) -> str:
    """「ヴァイオレット」「ばいおれつと」 alike: NFKC (全角/半角), katakana to hiragana, no
    spaces, long marks read as their vowel, sound-alike spellings and small kana folded."""
    text = unicodedata.normalize("NFKC", value or "")
    text = jaconv.kata2hira(text).lower()
    for old, new in ALIKE:
        text = text.replace(old, new)
    text = text.translate(SMALL)
    out: list[str] = []
    for ch in text:
        if ch.isspace():
            continue
        if ch in LONG_MARKS:
            if out and out[-1] in VOWEL_OF:
                out.append(VOWEL_OF[out[-1]])
            continue
        out.append(ch)
    return "".join(out)


def name_parts(query: str) -> list[str]:
    """A typed name split at its space (full-width or not): 「もり　ひまり」 → [もり, ひまり]."""
    return [part for part in unicodedata.normalize("NFKC", query or "").split() if part]
