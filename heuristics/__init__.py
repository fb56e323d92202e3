"""Heurist's pure domain core: arrays in, arrays out; no database, HTTP or task queue."""
