"""How the selected tags' bonuses add up: the rule of the Muzaic documentation.

The docs ask a front end that shows sliders to combine the bonuses of all selected tags
before adding them to the slider's shown value: all >= 0 -> the largest; all <= 0 -> the
smallest; mixed -> the average, rounded (half away from zero). 0.1 summed them, which pushed
a genre+mood+energy trio past the 1..10 range so that several slider positions sounded alike.
"""

from collections.abc import Iterable


def combine_bonuses(bonuses: Iterable[int]) -> int:
    """One bonus for a param from the bonuses of every selected tag (0 for no tags)."""
    values = [int(b) for b in bonuses]
    if not values:
        return 0
    if all(v >= 0 for v in values):
        return max(values)
    if all(v <= 0 for v in values):
        return min(values)
    mean = sum(values) / len(values)
    return int(mean + 0.5) if mean >= 0 else -int(-mean + 0.5)
