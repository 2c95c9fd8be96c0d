"""Catalogue search, availability and verified downloads, through eodag 4."""
