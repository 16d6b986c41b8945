"""microcred: European micro-credentials, issued and verified to the open standards."""

__version__ = "0.1.0"
