"""Immutable values and pure functions. No I/O, no web3, no clock, no environment."""
