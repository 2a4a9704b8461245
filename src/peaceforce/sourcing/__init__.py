"""sourcing stage."""
