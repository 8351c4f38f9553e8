"""Reads a Delta table written by clusterkpi with other engines, as another
department would: DuckDB (delta extension) and Polars (read_delta, which needs the
`deltalake` package), at every version
given. Prints one line per engine and version: `<engine> <version> <rows> <codes>`,
the codes being the sorted credit codes joined by commas.

Usage: read_delta.py TABLE_URI VERSION...
"""

import sys

import duckdb
import polars as pl
from duckdb_extensions import import_extension


def main() -> None:
    uri, versions = sys.argv[1], [int(v) for v in sys.argv[2:]]
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    import_extension("delta", con=con)
    con.sql("LOAD delta")
    for v in versions:
        rows = con.sql(
            f"SELECT credit_code FROM delta_scan('{uri}', version => {v}) ORDER BY 1"
        ).fetchall()
        print("duckdb", v, len(rows), ",".join(r[0] for r in rows))
    for v in versions:
        codes = sorted(pl.read_delta(uri, version=v)["credit_code"].to_list())
        print("polars", v, len(codes), ",".join(codes))


if __name__ == "__main__":
    main()
