"""OTB pipelines: typed chain descriptions, built by pure functions, run in a child process.

Nothing here imports ``otbApplication`` at module level: only the child
process that executes a chain (``s1ops.processing.otb.child``) loads OTB.
"""
