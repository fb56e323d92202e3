"""Pydantic schemas per resource: ``XCreate``, ``XUpdate``, ``XPublic``, ``XsPublic``."""
