"""Model runtime: the `Model` protocol, structured generation and the llama.cpp backend."""

from agentkit.llm.base import Completion, Message, Model, Usage
from agentkit.llm.structured import check_bounded, generate, validate_json

__all__ = ["Completion", "Message", "Model", "Usage", "check_bounded", "generate", "validate_json"]
