"""File formats of imports and exports: type inference, streaming readers and writers.

Pure I/O and parsing, no database; the import and export use cases are in ``services``.
"""

from formats.readers import (
    ConllSentence,
    read_conll,
    read_csv,
    read_jsonl,
    read_parquet,
    read_rows,
)
from formats.types import AttributeType, TypeInference, convert_value, infer_column_type
from formats.writers import write_conll, write_csv, write_jsonl, write_parquet

__all__ = [
    "AttributeType",
    "ConllSentence",
    "TypeInference",
    "convert_value",
    "infer_column_type",
    "read_conll",
    "read_csv",
    "read_jsonl",
    "read_parquet",
    "read_rows",
    "write_conll",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]
