"""Terrain geometry on the Sentinel-2 grid: local and ellipsoid incidence angles.

S1Tiling computes these with external OTB applications (DiapOTB, normlim_sigma0)
that Debian's OTB lacks; here they are vectorised numpy over the tile's rows.
"""
