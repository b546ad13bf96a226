"""The pydantic models of API v1: what it validates and what its document says."""
