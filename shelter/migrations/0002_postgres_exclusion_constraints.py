"""PostgreSQL only: exclusion constraints over periods (btree_gist), on top of the unique
constraints that both databases enforce (migration 0001).

- shelter_bedassignment_no_overlap: one child per bed at a time, over every period, including
  back-dated ones — EXCLUDE USING gist (bed_id WITH =, daterange(from_date, to_date, '[)') WITH &&).
  An open assignment (to_date NULL) is an unbounded range: the bed is held from from_date on.
- shelter_bedassignment_stay_no_overlap: a stay holds one bed at a time.
- shelter_stay_child_no_overlap: a child has one stay at a time, over every period.

A model's Meta cannot hold a constraint for one database only, so these are raw SQL that runs
when the connection is PostgreSQL and does nothing on SQLite (where the IMMEDIATE transaction
mode serialises the writers and the partial unique constraints hold the current state).
CREATE EXTENSION needs a role allowed to create it (a superuser, or a trusted extension on
PostgreSQL 13+: btree_gist is trusted).
"""

from django.db import migrations

CONSTRAINTS = [
    (
        "shelter_bedassignment",
        "shelter_bedassignment_no_overlap",
        "EXCLUDE USING gist (bed_id WITH =, daterange(from_date, to_date, '[)') WITH &&)",
    ),
    (
        "shelter_bedassignment",
        "shelter_bedassignment_stay_no_overlap",
        "EXCLUDE USING gist (stay_id WITH =, daterange(from_date, to_date, '[)') WITH &&)",
    ),
    (
        "shelter_stay",
        "shelter_stay_child_no_overlap",
        "EXCLUDE USING gist (child_id WITH =, daterange(started_on, ended_on, '[)') WITH &&)",
    ),
]


def add_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name, definition in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def drop_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _definition in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("shelter", "0001_initial")]

    operations = [
        migrations.RunPython(add_exclusion_constraints, drop_exclusion_constraints, elidable=False)
    ]
