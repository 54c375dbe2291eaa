"""The document of each legal step, drawn from the record (issue 14 item 3): its title, the
article it rests on and the sentence that says what is asked or done. Tokyo's wards keep a form
for each step (DOMAIN §3: 出頭要求告知書, 臨検・捜索許可状請求書, 援助要請書…); the print page
lays them out on A4.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from intake.choices import StepKind

LAW = "児童虐待の防止等に関する法律"


def centre_name() -> str:
    """The issuing centre, from the settings (the demo's is Minato's own 児童相談所)."""
    return getattr(settings, "MIMAMORI_CENTRE_NAME", "港区児童相談所")


@dataclass(frozen=True)
class Document:
    title: str
    article: str  # e.g. 第8条の2第1項
    body: str  # what is asked or done, in the words of the form
    when_label: str  # what the step's date is on this document
    place_label: str


DOCUMENTS: dict[str, Document] = {
    StepKind.APPEARANCE: Document(
        "出頭要求告知書",
        "第8条の2第1項",
        "児童虐待が行われているおそれがあると認めるので、{law}{article}の規定により、"
        "下記のとおり、当該児童を同伴して出頭することを求めます。",
        "出頭の日時",
        "出頭の場所",
    ),
    StepKind.ENTRY: Document(
        "立入調査の記録",
        "第9条第1項",
        "児童虐待が行われているおそれがあると認めるので、{law}{article}の規定により、"
        "児童の住所又は居所に立ち入り、必要な調査又は質問を行う。",
        "立入調査の日時",
        "立入調査の場所（児童の住所又は居所）",
    ),
    StepKind.REAPPEARANCE: Document(
        "再出頭要求告知書",
        "第9条の2第1項",
        "保護者が正当な理由なく立入調査を拒み、妨げ、又は忌避したので、{law}{article}の規定により、"
        "下記のとおり、当該児童を同伴して再び出頭することを求めます。",
        "出頭の日時",
        "出頭の場所",
    ),
    StepKind.PERMIT_REQUEST: Document(
        "臨検・捜索許可状請求書",
        "第9条の3第1項",
        "保護者が立入調査を拒み、妨げ、若しくは忌避し、又は出頭の求めに応じないので、"
        "児童の安全の確認を行い、又はその安全を確保するため、{law}{article}の規定により、"
        "児童の住所又は居所の臨検及び児童の捜索の許可状を請求します。",
        "請求の日時",
        "請求先の裁判所",
    ),
    StepKind.SEARCH: Document(
        "臨検・捜索の記録",
        "第9条の3第1項",
        "裁判官の許可状により、{law}{article}の規定に基づき、児童の住所又は居所に臨検し、"
        "児童を捜索する。",
        "臨検・捜索の日時",
        "臨検・捜索の場所",
    ),
    StepKind.POLICE: Document(
        "援助要請書",
        "第10条第1項",
        "児童の安全の確認又は一時保護、立入調査、臨検等の職務の執行に際し必要があると認めるので、"
        "{law}{article}の規定により、援助を求めます。",
        "職務執行の日時",
        "要請先・執行の場所",
    ),
}


def document_for(kind: str) -> Document:
    return DOCUMENTS[kind]


def body_text(kind: str) -> str:
    doc = DOCUMENTS[kind]
    return doc.body.format(law=LAW, article=doc.article)
