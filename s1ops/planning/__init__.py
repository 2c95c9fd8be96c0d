"""Planning: which products make which tile outputs, for a tile or an orchestrated run."""
