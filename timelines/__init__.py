"""Calendar and clock machinery: business days and derivations (pure: stdlib + holidays only)."""
