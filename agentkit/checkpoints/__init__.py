"""Checkpoints: what each write or execute call changed, saved in the run journal so
`agentkit runs diff` can show it and `agentkit runs undo` can put it back."""

from agentkit.checkpoints.recorder import (
    Checkpointer,
    PendingCheckpoint,
    Provenance,
    checkpointer,
)
from agentkit.checkpoints.store import Checkpoint, CheckpointStore

__all__ = [
    "Checkpoint",
    "CheckpointStore",
    "Checkpointer",
    "PendingCheckpoint",
    "Provenance",
    "checkpointer",
]
