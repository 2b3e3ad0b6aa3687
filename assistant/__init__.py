"""Chat assistant over research-paper listings."""

__version__ = "0.1.0"
