"""Steps more than one operator task runs: the tasks share them here, never import one another."""
