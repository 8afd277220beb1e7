"""Proposals, their frozen versions, consensus rounds and the members' positions."""
