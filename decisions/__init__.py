"""Samråd: consensus decisions and meetings for alliances of municipalities."""

from decisions.app import create_app

__all__ = ["create_app"]
