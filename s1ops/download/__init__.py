"""Catalogue search, availability, verified downloads and the S1 cache, with eodag 4.

Modules: ``gateway`` (hermetic eodag settings, one gateway per process),
``catalogue`` (search, non-blocking status), ``fetch`` (download into the
cache), ``verify`` (zip checks), ``locks`` (per-product locks and leases),
``cache`` (purge). eodag is imported inside functions only: importing this
package stays cheap for DAG files.
"""
