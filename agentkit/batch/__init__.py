"""Many goals at once: `agentkit batch goals.jsonl`, on a local process pool or on Ray.

from agentkit.batch import make_pool, run_batch
summary = run_batch(Path("goals.jsonl"), Path("results.jsonl"), make_pool(settings, 2))
"""

from agentkit.batch.driver import BatchSummary, make_pool, run_batch
from agentkit.batch.goals import BadLine, GoalSpec, read_goals

__all__ = ["BadLine", "BatchSummary", "GoalSpec", "make_pool", "read_goals", "run_batch"]
