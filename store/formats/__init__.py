"""File formats of imports and exports: type inference, streaming readers and writers.

Pure I/O and parsing; the import and export use cases live elsewhere in ``store``.
"""

from store.formats.readers import (
    ConllSentence,
    read_conll,
    read_csv,
    read_jsonl,
    read_parquet,
    read_rows,
)
from store.formats.types import AttributeType, TypeInference, convert_value, infer_column_type
from store.formats.writers import write_conll, write_csv, write_jsonl, write_parquet

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
