"""mandate stage."""
