"""Where bytes live: object stores (local paths and fsspec URIs) and the catalog database."""
