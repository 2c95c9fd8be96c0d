"""Deleting what nothing needs any more, without ever touching a product."""
