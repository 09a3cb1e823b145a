"""The checks of the task bench: outcome, relevance of every tool call, file integrity.

Pure functions over what a run left behind (its answer, the tools it called, the
workspace), so they are unit-tested on fabricated runs without a model. A goal passes
when `check_goal` finds no failure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent_bench.goals import Goal, ProseSpec

__all__ = [
    "Failure",
    "check_goal",
    "mentions",
    "prose_failures",
    "seed_workspace",
    "snapshot",
]

Category = Literal["irrelevant", "integrity", "outcome"]

# Share of letters among a prose text's letters and digits: "1234567890" has 0, a poem
# about the number 7 that writes "7" twice still has well over this.
MIN_LETTER_SHARE = 0.7
# A sentence this long that occurs twice is a degenerate loop, not style.
REPEAT_MIN_WORDS = 4
ECHO_MIN_WORDS = 4

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?;\n]+")


@dataclass(frozen=True)
class Failure:
    category: Category
    detail: str

    def __str__(self) -> str:
        return f"{self.category}: {self.detail}"


def seed_workspace(workspace: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def snapshot(workspace: Path) -> dict[str, str]:
    """sha256 of every file under `workspace`, by path relative to it (POSIX form)."""
    return {
        path.relative_to(workspace).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(workspace.rglob("*"))
        if path.is_file()
    }


def _normal(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())


def mentions(text: str, value: str) -> bool:
    """`value` occurs in `text` as a whole value, case-insensitive, thousands separators
    ignored: "36" is not in "36.5" nor in "1364"."""
    pattern = rf"(?<![\w.]){re.escape(_normal(value))}(?!\w|\.\d)"
    return re.search(pattern, _normal(text)) is not None


def _without(text: str, echoes: Iterable[str]) -> str:
    """`text` with copies of the goal (or a file name) removed: echoing them is not prose.
    A goal of a few words ("plan a trip") may fairly recur in an answer, so it stays."""
    for echo in echoes:
        if "." in echo.strip() or len(echo.split()) >= ECHO_MIN_WORDS:
            text = re.sub(re.escape(echo.strip()), " ", text, flags=re.IGNORECASE)
    return text


def prose_failures(
    text: str, spec: ProseSpec, *, label: str, echoes: Iterable[str] = ()
) -> list[Failure]:
    """Why `text` is not prose that covers `spec` (empty when it is)."""
    body = _without(text, echoes)
    if not body.strip():
        return [Failure("outcome", f"{label} is empty (or only repeats the goal)")]
    found: list[Failure] = []
    # Words of its own: "This is a two-sentence welcome message for new users" restates
    # the goal it was asked for; only words the goal does not use count toward min_words.
    borrowed = {w.lower() for echo in echoes for w in _WORD.findall(echo)}
    words = [w for w in _WORD.findall(body) if w.lower() not in borrowed]
    if len(words) < spec.min_words:
        found.append(
            Failure(
                "outcome", f"{label} has {len(words)} words not in the goal, < {spec.min_words}"
            )
        )
    letters = sum(c.isalpha() for c in body)
    digits = sum(c.isdigit() for c in body)
    if letters + digits and letters / (letters + digits) < MIN_LETTER_SHARE:
        found.append(Failure("outcome", f"{label} is mostly digits, not prose"))
    seen: set[str] = set()
    for sentence in _SENTENCE_END.split(body):
        key = " ".join(w.lower() for w in _WORD.findall(sentence))
        if len(key.split()) < REPEAT_MIN_WORDS:
            continue
        if key in seen:
            found.append(Failure("outcome", f"{label} repeats a sentence: {key[:60]!r}"))
            break
        seen.add(key)
    for alternatives in spec.aspects:
        if not any(re.search(rf"(?<!\w){re.escape(a)}", body, re.I) for a in alternatives):
            found.append(Failure("outcome", f"{label} mentions none of {alternatives}"))
    return found


def _integrity_failures(
    goal: Goal, before: Mapping[str, str], after: Mapping[str, str]
) -> list[Failure]:
    found: list[Failure] = []
    for name, digest in before.items():
        if name in goal.targets:
            continue
        if name not in after:
            found.append(Failure("integrity", f"{name} was deleted"))
        elif after[name] != digest:
            found.append(Failure("integrity", f"{name} was changed"))
    for name in sorted(set(after) - set(before) - goal.targets):
        found.append(
            Failure("integrity", f"{name} was created, and the goal asks for no such file")
        )
    return found


def _written_failures(goal: Goal, workspace: Path) -> list[Failure]:
    spec = goal.written
    if spec is None:
        return []
    path = workspace / spec.path
    if not path.is_file():
        return [Failure("outcome", f"{spec.path} was not written")]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [Failure("outcome", f"{spec.path} is not UTF-8 text")]
    found = [
        Failure("outcome", f"{spec.path} lacks {value!r}")
        for value in spec.contains
        if not mentions(text, value)
    ]
    if spec.prose is not None:
        echoes = [goal.goal, spec.path]
        found += prose_failures(text, spec.prose, label=spec.path, echoes=echoes)
    return found


def check_goal(
    goal: Goal,
    *,
    answer: str | None,
    tools: Iterable[str],
    before: Mapping[str, str],
    workspace: Path,
) -> list[Failure]:
    """Every reason the run failed `goal`; `tools` are the calls it made (failed ones too),
    `before` the workspace snapshot taken after seeding and before the run."""
    found = [
        Failure("irrelevant", f"called {name}, which this goal has no use for")
        for name in dict.fromkeys(tools)
        if name not in goal.allowed_tools
    ]
    found += _integrity_failures(goal, before, snapshot(workspace))
    text = answer or ""
    if (goal.expect or goal.prose) and not text.strip():
        found.append(Failure("outcome", "no answer"))
    else:
        found += [
            Failure("outcome", f"answer lacks {value!r}")
            for value in goal.expect
            if not mentions(text, value)
        ]
        if goal.prose is not None:
            found += prose_failures(text, goal.prose, label="answer", echoes=[goal.goal])
    found += _written_failures(goal, workspace)
    return found
