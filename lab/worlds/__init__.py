"""The registry of worlds: one generator per product domain, looked up by ``kind``."""

from __future__ import annotations

from typing import Any

from lab.registry import build
from lab.worlds.base import EPOCH, Feature, Schema, World
from lab.worlds.ci_pipelines import CIPipelines
from lab.worlds.cloud_workspaces import CloudWorkspaces
from lab.worlds.marketplace_payments import MarketplacePayments
from lab.worlds.notifications import Notifications
from lab.worlds.support_tickets import SupportTickets
from lab.worlds.wiki_comments import WikiComments

WORLDS: dict[str, type[World]] = {
    cls.kind: cls
    for cls in (SupportTickets, WikiComments, Notifications, MarketplacePayments, CIPipelines,
                CloudWorkspaces)
}

__all__ = ["EPOCH", "WORLDS", "CIPipelines", "CloudWorkspaces", "Feature", "MarketplacePayments",
           "Notifications", "Schema", "SupportTickets", "WikiComments", "World", "make_world"]


def make_world(kind: str, **params: Any) -> World:
    """Build a registered world; unknown kinds and parameters raise ``ValueError``."""
    return build(WORLDS, "world", kind, params)
