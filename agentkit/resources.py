"""Where the bundled `tools/` and `prompts/` directories live.

A wheel carries them inside the package as `agentkit/_bundled/`; a source checkout
(editable install, tests) has them at the repository root.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_dir", "prompts_dir", "tools_dir"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"agentkit installation is missing its {name}/ directory; reinstall")


def tools_dir() -> Path:
    return bundled_dir("tools")


def prompts_dir() -> Path:
    return bundled_dir("prompts")
