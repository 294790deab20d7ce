"""Default export names come from the project's title and must be valid on every disk."""

from __future__ import annotations

import pytest

from muzaic_studio.wording import file_stem


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Demo: a one-minute score", "Demo - a one-minute score"),
        ('cut 3/4 "final"?', "cut 3_4 _final__"),
        ("  ...  ", "soundtrack"),
        ("Scene 1", "Scene 1"),
    ],
)
def test_a_title_becomes_a_file_name_every_disk_takes(title, stem):
    assert file_stem(title) == stem
    assert not set(file_stem(title)) & set('<>:"/\\|?*')
