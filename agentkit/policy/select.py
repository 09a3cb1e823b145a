"""Choosing a run's policy: `policy` in settings (`--policy`, AGENTKIT_POLICY), where
"auto" follows the model's size: below SMALL_PARAMS parameters the `small` policy, and
`small` too when the size is unknown (a scripted model, a server), as the safe side:
its aids only narrow and shorten requests."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from agentkit.errors import AgentkitError
from agentkit.policy.aids import check_aid_names
from agentkit.policy.base import Policy
from agentkit.policy.plain import PlainPolicy
from agentkit.policy.small import SmallPolicy

if TYPE_CHECKING:
    from agentkit.config import Settings
    from agentkit.llm.base import Model
    from agentkit.policy.aids.routing import TextEmbedder
    from agentkit.prompts import PromptRenderer

__all__ = ["SMALL_PARAMS", "choose_policy", "model_parameters"]

log = logging.getLogger(__name__)

SMALL_PARAMS = 1e9
BYTES_PER_PARAM = 0.6  # a 4-bit GGUF, when the metadata has no size label
_LABEL = re.compile(r"^\s*([\d.]+)\s*([KMBT])\s*$", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def model_parameters(model: object) -> float | None:
    """The model's parameter count from its GGUF (size label, else file size), or None
    for a model without a local file (a remote server, a scripted model)."""
    path = getattr(model, "path", None)
    if not isinstance(path, Path) or not path.is_file():
        return None
    try:
        from agentkit.llm.llama import read_metadata

        label = read_metadata(path).get("general.size_label", "")
    except (AgentkitError, OSError, ImportError) as exc:  # no label: use the file size
        log.debug("no GGUF metadata for %s: %s", path, exc)
        label = ""
    match = _LABEL.match(label)
    if match:
        return float(match.group(1)) * _SCALE[match.group(2).lower()]
    return path.stat().st_size / BYTES_PER_PARAM


def choose_policy(
    settings: Settings,
    model: Callable[[], Model],
    renderer: PromptRenderer,
    embedder: Callable[[], TextEmbedder],
) -> Policy:
    name = settings.policy
    if name == "auto":
        params = model_parameters(model())
        name = "plain" if params is not None and params >= SMALL_PARAMS else "small"
        log.info("policy auto: %s (model parameters: %s)", name, params)
    if name == "plain":
        return PlainPolicy()
    disabled = check_aid_names(settings.disable_aids)
    return SmallPolicy(settings, renderer, embedder, disabled)
