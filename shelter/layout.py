"""The default layout of the centre's shelter: 12 places (DOMAIN §4, centre leaflet).

Individual rooms by default, two twin rooms for small children; each room is marked for sex
and age band. The layout is data: the admin role changes it in the Django admin.
"""

from __future__ import annotations

from casework.models import User
from casework.writes import save_with_history
from shelter.choices import AgeBand, RoomSex
from shelter.models import Bed, Room

# room name, sex, age band, bed labels
DEFAULT_LAYOUT: list[tuple[str, str, str, list[str]]] = [
    ("101号室", RoomSex.MALE, AgeBand.SCHOOL, ["101"]),
    ("102号室", RoomSex.MALE, AgeBand.SCHOOL, ["102"]),
    ("103号室", RoomSex.MALE, AgeBand.SCHOOL, ["103"]),
    ("104号室", RoomSex.MALE, AgeBand.SCHOOL, ["104"]),
    ("105号室", RoomSex.MALE, AgeBand.INFANT, ["105-A", "105-B"]),
    ("201号室", RoomSex.FEMALE, AgeBand.SCHOOL, ["201"]),
    ("202号室", RoomSex.FEMALE, AgeBand.SCHOOL, ["202"]),
    ("203号室", RoomSex.FEMALE, AgeBand.SCHOOL, ["203"]),
    ("204号室", RoomSex.FEMALE, AgeBand.SCHOOL, ["204"]),
    ("205号室", RoomSex.FEMALE, AgeBand.INFANT, ["205-A", "205-B"]),
]


def ensure_default_layout(*, actor: User | None = None) -> int:
    """Create the default rooms and beds if the shelter has none yet; returns beds created."""
    if Room.objects.exists():
        return 0
    created = 0
    for order, (name, sex, band, labels) in enumerate(DEFAULT_LAYOUT, start=1):
        room = Room(name=name, sex=sex, age_band=band, sort_order=order)
        save_with_history(room, actor=actor, reason="居室の初期設定")
        for bed_order, label in enumerate(labels, start=1):
            save_with_history(
                Bed(room=room, label=label, sort_order=bed_order),
                actor=actor,
                reason="ベッドの初期設定",
            )
            created += 1
    return created
