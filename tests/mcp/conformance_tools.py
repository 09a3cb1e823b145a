"""The fixture tools the MCP conformance suite calls, written as an ordinary agentkit
plugin, so the suite exercises agentkit's own path: plugin -> Toolset.call -> MCP result.

Only the text fixtures are here: agentkit tools return text, so the image, audio,
embedded-resource and mixed-content fixtures are expected failures (see
conformance-expected-failures.yml).
"""

from agentkit.errors import ToolError
from agentkit.tool import tool


@tool
def test_simple_text() -> str:
    """Return a fixed text, for the MCP conformance suite."""
    return "This is a simple text response for testing."


@tool
def test_error_handling() -> str:
    """Always fail, for the MCP conformance suite."""
    raise ToolError("This tool intentionally returns an error for testing")
