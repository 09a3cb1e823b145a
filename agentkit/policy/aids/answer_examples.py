"""Aid `answer_examples`: the answer request is a short prompt (system, worked answers
from answer_examples.yaml, the real request) instead of the whole transcript, and only
examples of the kind of answer asked for are shown (quotes, or free text): with quote
examples in view a free answer came out as "[destination]"."""

from __future__ import annotations

import json

from agentkit.llm.base import Message
from agentkit.policy.base import RunView
from agentkit.prompts import AnswerExample
from agentkit.run.state import observation_ref

__all__ = ["messages"]


def _quotes_only(example: AnswerExample) -> bool:
    return bool(example.results) and not example.steps


def messages(run: RunView, prompt: str, *, quoting: bool) -> list[Message]:
    out = [run.transcript.system]
    for example in run.renderer.answer_examples():
        if _quotes_only(example) != quoting:
            continue
        rows = [(observation_ref(i), r.tool, r.text) for i, r in enumerate(example.results, 1)]
        steps = [
            {"id": i, "title": s.title, "result": s.result} for i, s in enumerate(example.steps, 1)
        ]
        shown = run.renderer.render(
            "answer",
            goal=example.goal,
            steps=steps,
            results=run.transcript.fenced_results(rows),
            forced="",
            quoting=quoting,
        )
        reply = {"answer": example.answer, "citations": example.citations}
        out += [
            Message(role="user", content=shown),
            Message(role="assistant", content=json.dumps(reply, ensure_ascii=False)),
        ]
    return [*out, Message(role="user", content=prompt)]
