"""Request and response models of the HTTP API (never the tables), with OpenAPI examples."""
