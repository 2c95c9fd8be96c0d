"""Test doubles of the outside world, shipped with the library: a local STAC API
standing in for Copernicus, synthetic products, hermetic eodag settings, and the
request files the tests and the demo write."""
