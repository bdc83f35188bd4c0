"""Implementations of the ports against real systems. Built only by the entrypoints."""
