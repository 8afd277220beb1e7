"""Ratification (tilslutning): each member's own adoption of a decision of the alliance."""
