"""What a render will send and cost, in the words the confirmation and progress show.

Token counts before a render are an *estimate* (the plan's generated seconds); after it
the server's charge is shown beside the estimate. A server that charged more than the
generated seconds bills copies too, so "Render changes" stops promising savings.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from muzaic_studio.model import Project
from muzaic_studio.model.render_plan import reusable
from muzaic_studio.wording import clock, plural

UNLIMITED = 10**8  # a balance this large (the offline engine's) reads "no token limit"
NO_REGION_HASHES = "the last answer had one soundtrack hash and no hash per region"


@dataclass
class RenderSummary:
    """What a render will send and cost, shown before and during it."""

    duration: float
    tokens: int  # the estimate: 1 token per started generated second
    tokens_saved: int
    reused: int
    regions: int
    balance: int | None
    backend: str
    only_changes: bool
    estimate: float  # seconds the render is expected to take
    #: The last render cost more than its generated seconds: this server charges copies.
    copies_charged: bool = False
    #: Unchanged regions rendered again because they have no hash of their own.
    unhashed: int = 0
    #: e.g. that copy sources are rendered first, and what each of the two requests costs.
    note: str = ""

    def text(self) -> str:
        parts = [f"{clock(self.duration)} of music", f"estimate {self.tokens} tokens"]
        if self.tokens_saved and self.copies_charged:
            parts.append(
                f"reusing {plural(self.reused, 'unchanged region')} may save nothing: "
                "the last render was charged for its copies too"
            )
        elif self.tokens_saved:
            parts.append(
                f"{self.tokens_saved} saved by reusing {plural(self.reused, 'unchanged region')}"
            )
        if self.unhashed:
            parts.append(
                f"{plural(self.unhashed, 'unchanged region')} rendered again in full: "
                f"{NO_REGION_HASHES}"
            )
        if self.balance is not None:
            unlimited = self.balance >= UNLIMITED
            parts.append("no token limit" if unlimited else f"balance {self.balance}")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)

    @property
    def over_balance(self) -> bool:
        return self.balance is not None and self.tokens > self.balance


def charge_text(charged: int, estimate: int, backend: str = "") -> str:
    """ "14 tokens charged" or "20 tokens charged (estimate 14: copies were charged too)";
    the offline engine counts tokens like the API but charges nothing, and says so."""
    if backend == "offline":
        return "nothing charged (offline engine)"
    text = f"{plural(charged, 'token')} charged"
    if charged > estimate:
        return f"{text} (estimate {estimate}: copies were charged too)"
    if charged != estimate:
        return f"{text} (estimate {estimate})"
    return text


def last_copies_charged(last_render: dict | None) -> bool:
    """Did the project's last render cost more than its generated seconds?"""
    last = last_render or {}
    used, estimated = last.get("tokensUsed"), last.get("tokensEstimated")
    return isinstance(used, int) and isinstance(estimated, int) and used > estimated


TIPS_CHUNK = 2000  # regions digested between two yields of `render_tips_steps`


def render_tips_steps(project: Project) -> Generator[None, None, tuple[str, str]]:
    """`render_tips`, yielding after every TIPS_CHUNK regions: the editor runs it a chunk
    per turn of its event loop (20,000 rendered regions digest in ~0.1-0.2 s). Returns the
    tips; the regions are those of the first step (an edit meanwhile starts it again)."""
    regions = list(project.regions)
    reused = saved = unhashed = 0
    for start in range(0, len(regions), TIPS_CHUNK):
        for r in regions[start : start + TIPS_CHUNK]:  # one digest per region at most
            if reusable(r):
                reused, saved = reused + 1, saved + r.tokens
            elif r.action == "generate" and r.rendered and not r.last_hash:
                unhashed += not r.changed_since_render
        yield
    full = project.estimated_tokens  # counted, not planned: no request built (big projects)
    last = project.last_render or {}
    charged = last.get("tokensUsed")
    charged_text = f"; the last render was charged {charged}" if isinstance(charged, int) else ""
    if not reused:
        saving = "nothing to reuse"
    elif last_copies_charged(last):
        saving = f"reusing {reused} may save nothing: the last render's copies were charged"
    else:
        saving = f"{saved} saved by reusing {reused}"
    if unhashed:
        saving += f"; {plural(unhashed, 'region')} rendered again in full: {NO_REGION_HASHES}"
    return (
        f"Render the whole soundtrack: estimate {full} tokens{charged_text}",
        f"Render only the changed regions: estimate {full - saved} tokens, {saving}",
    )


def render_tips(project: Project) -> tuple[str, str]:
    """What Render and Render Changes would cost now: the estimate, the last charge, and
    why reusing may save nothing (copies charged) or less (regions without a hash)."""
    steps = render_tips_steps(project)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


class SecondsPerSecond:
    """How long a backend takes per second of audio, learned from the last renders.

    Starts from the documented cloud speed (5-7 s per minute of audio, so ~0.1 s/s) and
    follows each finished render (exponential average), per backend name.
    """

    DEFAULT = 0.1
    OVERHEAD = 1.0

    def __init__(self) -> None:
        self._rate: dict[str, float] = {}

    def estimate(self, backend: str, duration: float) -> float:
        return self.OVERHEAD + self._rate.get(backend, self.DEFAULT) * max(0.0, duration)

    def learn(self, backend: str, duration: float, seconds: float) -> None:
        if duration <= 0:
            return
        rate = max(0.0, seconds - self.OVERHEAD) / duration
        old = self._rate.get(backend)
        self._rate[backend] = rate if old is None else 0.5 * old + 0.5 * rate
