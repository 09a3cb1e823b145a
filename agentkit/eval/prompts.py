"""The two prompts compared by `agentkit eval bfcl`.

The decision prompt is short because the grammar, not the prose, carries the output
format; a 135M model follows one worked example better than a page of rules. The
baseline prompt is a plain BFCL-style text prompt: the raw function docs as JSON
and the Python call syntax the official prompting harness expects.
"""

from __future__ import annotations

import json

from agentkit.eval.bfcl import Item, render_docs
from agentkit.llm.base import Message

__all__ = ["baseline_messages", "decision_messages"]

_DECISION = """\
You turn a request into function calls. Use only the functions below.

{docs}

Reply in JSON. To call: {{"action":"call","calls":[{{"tool":NAME,"arguments":{{...}}}}]}} \
with one call per thing asked and argument values taken from the request. \
If no function fits the request: {{"action":"final","answer":REASON}}.
Example: "Weather in Paris and in Rome" with get_weather(city) gives \
{{"action":"call","calls":[{{"tool":"get_weather","arguments":{{"city":"Paris"}}}},\
{{"tool":"get_weather","arguments":{{"city":"Rome"}}}}]}}"""

_BASELINE = """\
You are an expert in calling functions. Given a question and a list of functions, \
make the function calls that answer it. If no function fits, say so in plain words \
and call nothing. Reply with the calls only, in this format:
[func_name1(param1=value1, param2=value2), func_name2(param=value)]

Functions (JSON):
{docs}"""


def _with_system(item: Item, system: str) -> list[Message]:
    return [Message(role="system", content=system), *item.messages]


def decision_messages(item: Item) -> list[Message]:
    return _with_system(item, _DECISION.format(docs=render_docs(item.functions)))


def baseline_messages(item: Item) -> list[Message]:
    return _with_system(item, _BASELINE.format(docs=json.dumps(item.functions)))
