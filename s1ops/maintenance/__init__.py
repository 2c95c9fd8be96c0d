"""Deleting what nothing needs any more, without ever touching an output product.

``run`` is one maintenance run (what the maintenance DAG and ``s1ops maintenance``
both call), ``report`` what it removed, ``needed`` the products pending jobs
need, ``cleanup`` the candidates and their deletion.
"""
