"""The REST API of Heurist (FastAPI): routers per resource, versioned under ``/api/v1``."""
