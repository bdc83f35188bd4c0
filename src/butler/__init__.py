"""aztec-butler: operator toolkit for Aztec staking providers."""

__version__ = "0.1.0"
