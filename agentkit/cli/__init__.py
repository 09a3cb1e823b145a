"""The `agentkit` command line. Each module is one command or command group."""

__all__: list[str] = []
