"""What is published: S1Tiling's names and tags, atomic writes, masks, quicklooks."""
