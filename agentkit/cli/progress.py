"""Showing a run as it happens: a live rich view on a TTY, plain lines elsewhere.

Goals, plan titles, arguments and observations are untrusted text: on a terminal they
go through `agentkit.cli.terminal.sanitize` (rich itself keeps ESC sequences)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

from agentkit.asking import Holder, hold_terminal_with
from agentkit.cli.terminal import for_terminal, sanitize
from agentkit.events import (
    Answered,
    Event,
    ModelCalled,
    ObservationMade,
    PlanMade,
    PlanStep,
    Replanned,
    RunFinished,
    StepFinished,
    StepStarted,
    ToolCalled,
)

__all__ = ["LiveProgress", "PlainProgress", "Progress", "make_progress"]


def _short(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Progress(Protocol):
    def __enter__(self) -> Progress: ...
    def __exit__(self, *exc: object) -> None: ...
    def show(self, event: Event) -> None: ...


class PlainProgress:
    """One line per meaningful event, for logs and pipes."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()

    def _line(self, text: str) -> None:
        print(for_terminal(text, self.stream), file=self.stream, flush=True)

    def show(self, event: Event) -> None:
        match event:
            case PlanMade(steps=steps):
                self._line("plan:")
                for step in steps:
                    tool = f" [{step.tool}]" if step.tool else ""
                    self._line(f"  {step.id}. {step.title}{tool}")
            case StepStarted(step_id=step_id, title=title):
                self._line(f"step {step_id}: {title}")
            case ToolCalled(tool=tool, arguments=args):
                self._line(f"  -> {tool} {_short(str(args), 120)}")
            case ObservationMade(ok=ok, text=text, index=index):
                self._line(f"  <- obs-{index} {'ok' if ok else 'error'}: {_short(text)}")
            case StepFinished(result=result, auto=False):
                self._line(f"  = {_short(result)}")
            case Replanned(reason=reason):
                self._line(f"re-plan: {_short(reason)}")
            case ModelCalled(usage=usage, purpose=purpose):
                self._line(
                    f"  ({purpose}: {usage.completion_tokens} tokens, "
                    f"{usage.tokens_per_second:.1f} tok/s, {usage.cached_prompt_tokens}/"
                    f"{usage.prompt_tokens} prompt tokens cached)"
                )
            case RunFinished(status=status, wall_seconds=wall):
                self._line(f"finished: {status} in {wall:.1f}s")
            case _:
                pass


class LiveProgress:
    """A rich Live view: plan checklist, current step, recent calls, spinner and tok/s."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console

        self.console = Console(file=stream)
        self.plan: list[PlanStep] = []
        self.finished: set[int] = set()
        self.current: int | None = None
        self.log: list[str] = []
        self.status = "planning"
        self.rate = 0.0
        self._live: Any = None
        self._previous_holder: Holder | None = None

    def __enter__(self) -> LiveProgress:
        from rich.live import Live

        self._live = Live(
            self._render(), console=self.console, refresh_per_second=8, transient=False
        )
        self._live.__enter__()
        self._previous_holder = hold_terminal_with(self._held)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous_holder is not None:
            hold_terminal_with(self._previous_holder)
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)

    @contextmanager
    def _held(self) -> Iterator[None]:
        """The view stopped (its last frame left on screen) while a question is asked."""
        self._live.stop()
        try:
            yield
        finally:
            self._live.start()

    def _render(self) -> Any:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.text import Text

        lines: list[Any] = []
        for step in self.plan:
            mark = "✔" if step.id in self.finished else "▶" if step.id == self.current else "·"
            style = "bold yellow" if step.id == self.current else "green" if mark == "✔" else ""
            tool = f" [{step.tool}]" if step.tool else ""
            line = sanitize(f" {mark} {step.id}. {step.title}{tool}")
            lines.append(Text(line, style=style))
        lines.extend(Text(sanitize(f"   {entry}"), style="dim") for entry in self.log[-6:])
        rate = f" · {self.rate:.1f} tok/s" if self.rate else ""
        if self.status in {"planning", "thinking", "running tool"}:
            lines.append(Spinner("dots", text=Text(f" {self.status}{rate}", style="cyan")))
        else:
            lines.append(Text(f" {self.status}{rate}", style="bold"))
        return Group(*lines)

    def show(self, event: Event) -> None:
        match event:
            case PlanMade(steps=steps):
                self.plan = [s for s in self.plan if s.id in self.finished] + list(steps)
                self.status = "thinking"
            case StepStarted(step_id=step_id):
                self.current = step_id
                self.status = "thinking"
            case ToolCalled(tool=tool, arguments=args):
                self.log.append(f"→ {tool} {_short(str(args), 70)}")
                self.status = "running tool"
            case ObservationMade(ok=ok, text=text, index=index):
                self.log.append(f"← obs-{index} {'ok' if ok else 'error'}: {_short(text, 70)}")
                self.status = "thinking"
            case StepFinished(step_id=step_id, result=result, auto=auto):
                self.finished.add(step_id)
                self.current = None
                if not auto:  # a result the model wrote; a tool's shows as its observation
                    self.log.append(f"= {_short(result, 70)}")
            case Replanned(reason=reason):
                self.log.append(f"re-plan: {_short(reason, 70)}")
                self.status = "planning"
            case ModelCalled(usage=usage):
                self.rate = usage.tokens_per_second
            case Answered():
                self.status = "answered"
            case RunFinished(status=status, wall_seconds=wall):
                self.status = f"{status} in {wall:.1f}s"
            case _:
                pass
        if self._live is not None:
            self._live.update(self._render())


class _Silent:
    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def show(self, event: Event) -> None:
        return None


def make_progress(*, quiet: bool) -> Progress:
    stream = sys.stderr
    if quiet:
        return _Silent()
    if stream.isatty():
        return LiveProgress(stream)
    return PlainProgress(stream)
