"""Producing tile outputs: OTB chains (calibrate, cut, orthorectify, merge) and their inputs."""
