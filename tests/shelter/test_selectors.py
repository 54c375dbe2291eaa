"""Reads behind the board: the 90-day occupancy series and the board's tiles."""

from datetime import timedelta

import pytest

from shelter import selectors, services
from shelter.choices import StayKind

pytestmark = pytest.mark.django_db


def test_occupancy_counts_a_child_from_the_start_day_until_the_day_before_discharge(
    admit, new_case, shelter_user, layout, today
):
    left = admit(new_case(), bed=layout[0], started_on=today - timedelta(days=5))
    services.stay_discharge(
        actor=shelter_user,
        stay=left,
        ended_on=today - timedelta(days=2),
        destination="home",
        reason="帰宅",
    )
    admit(new_case(), bed=layout[1], started_on=today - timedelta(days=3))
    admit(new_case(), kind=StayKind.ENTRUSTED, entrusted_to="乳児院")  # not in a bed
    series = dict(selectors.occupancy_series(today, days=7))
    assert len(series) == 7 and max(series) == today
    expected = {6: 0, 5: 1, 4: 1, 3: 2, 2: 1, 1: 1, 0: 1}
    assert {(today - day).days: count for day, count in series.items()} == expected


def test_occupancy_includes_stays_that_began_before_the_window(admit, new_case, layout, today):
    admit(new_case(), bed=layout[0], started_on=today - timedelta(days=120), consent=True)
    series = selectors.occupancy_series(today)
    assert len(series) == 90 and all(count == 1 for _day, count in series)


def test_board_groups_beds_by_room_kind_and_names_shared_rooms_by_bed(
    admit, new_case, layout, today
):
    admit(new_case(), bed=layout[0])
    board = selectors.board(today)
    assert [g.title for g in board.groups] == ["男子の居室", "女子の居室"]
    assert (board.occupied, board.capacity, board.free) == (1, 12, 11)
    places = [tile.place for tile in board.tiles]
    assert places[:6] == [
        "101号室",
        "102号室",
        "103号室",
        "104号室",
        "105号室・105-A",
        "105号室・105-B",
    ]


def test_a_child_in_a_room_marked_for_the_other_sex_is_flagged(admit, new_case, layout, today):
    admit(new_case(sex="F"), bed=layout[0])  # 101号室 is a boys' room
    (tile,) = [t for t in selectors.board(today).tiles if t.stay]
    assert "男子用の部屋" in tile.mismatch
