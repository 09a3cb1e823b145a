"""A run as readable text: plan, steps, tool calls, observations, answer and usage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentkit.events import (
    Answered,
    Event,
    ModelCalled,
    ObservationMade,
    PlanMade,
    Replanned,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    ToolCalled,
)
from agentkit.journal.store import RunRecord

__all__ = ["render_timeline"]

WIDTH = 160  # long observations and arguments are cut to one screen line


def _short(text: str, limit: int = WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _line(event: Event) -> list[str]:
    match event:
        case RunStarted(resumed=resumed):
            return ["resumed" if resumed else "started"]
        case PlanMade(steps=steps):
            out = ["plan:"]
            for step in steps:
                tool = f" [{step.tool}]" if step.tool else ""
                after = (
                    f" (after {', '.join(map(str, step.depends_on))})" if step.depends_on else ""
                )
                out.append(f"  {step.id}. {step.title}{tool}{after}")
            return out
        case StepStarted(step_id=step_id, title=title):
            return [f"step {step_id}: {title}"]
        case ModelCalled(purpose=purpose, usage=u):
            return [
                f"  model ({purpose}): {u.prompt_tokens} prompt tokens "
                f"({u.cached_prompt_tokens} cached), {u.completion_tokens} out "
                f"({u.forced_tokens} forced), {u.seconds:.2f} s"
            ]
        case ToolCalled(index=index, tool=tool, arguments=arguments):
            return ["  -> " + _short(f"#{index} {tool} {json.dumps(arguments)}")]
        case ObservationMade(index=index, ok=ok, text=text, error=error, seconds=seconds):
            verdict = "ok" if ok else f"error: {error}"
            return ["  <- " + _short(f"obs-{index} {verdict} ({seconds:.2f} s): {text}")]
        case StepFinished(step_id=step_id, result=result):
            return ["  " + _short(f"done step {step_id}: {result}")]
        case Replanned(reason=reason):
            return [_short(f"replanned: {reason}")]
        case Answered(answer=answer, citations=cites, forced=forced, uncited=uncited):
            flags = [f for f, on in (("forced", forced), ("uncited", uncited)) if on]
            out = [f"answer{' (' + ', '.join(flags) + ')' if flags else ''}:"]
            out += [f"  {line}" for line in answer.splitlines() or [""]]
            return out + ([f"  cites: {', '.join(cites)}"] if cites else [])
        case RunFinished(status=status, reason=reason, wall_seconds=wall):
            return [f"finished: {status}{f' ({reason})' if reason else ''} in {wall:.1f} s"]
    return [event.type]


def _usage(usage: dict[str, Any]) -> str:
    keys = (
        "calls",
        "prompt_tokens",
        "cached_prompt_tokens",
        "completion_tokens",
        "sampled_tokens",
        "forced_tokens",
    )
    parts = [f"{key.replace('_', ' ')} {usage[key]}" for key in keys if key in usage]
    if "seconds" in usage:
        parts.append(f"model time {float(usage['seconds']):.2f} s")
    return ", ".join(parts)


def render_timeline(run: RunRecord, events: Sequence[Event]) -> list[str]:
    started = run.started_at.timestamp()
    lines = [
        f"run {run.run_id}  {run.status}  ({run.kind}, model {run.model})",
        f"goal: {run.goal}",
        f"started {run.started_at:%Y-%m-%d %H:%M:%S} UTC"
        + (f", finished {run.finished_at:%H:%M:%S} UTC" if run.finished_at else ""),
        "",
    ]
    for event in events:
        offset = f"{max(event.at - started, 0.0):7.1f}s "
        body = _line(event)
        lines.append(offset + body[0])
        lines += [" " * len(offset) + rest for rest in body[1:]]
    if run.usage:
        lines += ["", "usage: " + _usage(run.usage)]
    return lines
