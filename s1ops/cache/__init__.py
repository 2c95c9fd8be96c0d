"""The S1 product cache (``[Paths] s1_images``): layout, locks and leases, purge."""
