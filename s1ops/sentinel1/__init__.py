"""Sentinel-1 inputs: product ids and file names, catalogue records, SAFE reading."""
