"""The caches: S1 products in ``[Paths] s1_images`` (layout, locks and leases, purge), and
OrthoReady files under ``[Paths] tmp``."""
