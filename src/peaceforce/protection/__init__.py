"""protection stage."""
