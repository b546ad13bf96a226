"""API bearer tokens: random, stored only as a hash, expiring, revocable. The table and
the rules live in ``hazardflow.workflows.sessions`` beside the page sessions, so that one
function there ends both."""

from __future__ import annotations

from hazardflow.workflows.sessions import api_token
from hazardflow.workflows.sessions import issue_token as issue
from hazardflow.workflows.sessions import revoke_token as revoke
from hazardflow.workflows.sessions import token_user as user_for

__all__ = ["api_token", "issue", "revoke", "user_for"]
