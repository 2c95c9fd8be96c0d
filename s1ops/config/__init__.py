"""The request file: S1Tiling's ``S1Processor.cfg`` read into one frozen ``S1Config``."""
