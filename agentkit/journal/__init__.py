"""The run journal: runs and their events in SQLite, for `agentkit runs` and resume."""

from agentkit.journal.schema import MIGRATIONS
from agentkit.journal.store import Journal, RunRecord, new_run_id

__all__ = ["MIGRATIONS", "Journal", "RunRecord", "new_run_id"]
