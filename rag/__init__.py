"""Offline Q&A over Chinese policy documents with exact, checkable citations."""

__version__ = "0.1.0"
