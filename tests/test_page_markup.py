"""Markup every screen must get right, checked on every page the access matrix says some
persona may open (generated: a new route is checked as soon as it is listed). Issue 12 item 15:
the stay page repeated `id_requested_on`, leaving the extension's 申立日 without its label."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

from tests.test_access_matrix import MATRIX

ID = re.compile(r'\sid="([^"]+)"')
LABEL_FOR = re.compile(r'<label[^>]*\sfor="([^"]+)"')
DESCRIBED = re.compile(r'aria-describedby="([^"]+)"')
SCREENS = sorted(
    (name, next(who for who, code in route.get.items() if code == 200))
    for name, route in MATRIX.items()
    if 200 in route.get.values()
)


@pytest.mark.parametrize(("name", "who"), SCREENS, ids=[n for n, _w in SCREENS])
def test_ids_are_unique_and_labels_and_descriptions_point_at_something(
    name, who, world, persona, login
):
    url = reverse(name, kwargs=MATRIX[name].kwargs(world))
    response = login(persona(who)).get(url)
    if not response["Content-Type"].startswith("text/html"):
        return
    html = response.content.decode()
    ids = Counter(ID.findall(html))
    assert not [i for i, n in ids.items() if n > 1], f"duplicate ids on {url}"
    missing = [f for f in LABEL_FOR.findall(html) if f not in ids]
    assert not missing, f"labels for nothing on {url}: {missing}"
    described = [ref for refs in DESCRIBED.findall(html) for ref in refs.split()]
    assert not [r for r in described if r not in ids], f"aria-describedby to nothing on {url}"
