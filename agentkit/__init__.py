"""agentkit: a local-first agentic task runner.

Heavy dependencies (llama_cpp, chromadb) load on first use, never at import.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
