"""`python -m agentkit`: the same as the `agentkit` command."""

from agentkit.cli.app import main

__all__: list[str] = []


main()
