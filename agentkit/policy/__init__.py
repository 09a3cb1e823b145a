"""Decision policies: what each model request looks like (see agentkit.policy.base)."""

from agentkit.policy.base import Offer, Policy, RunView

__all__ = ["Offer", "Policy", "RunView"]
