"""Goals and checks of the agent task bench (`bench/agent_tasks.py`), importable for tests."""
