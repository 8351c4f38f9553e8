"""Reads the dataset clusterkpi wrote as another department would: each table is a
Delta Lake table (`<lake>/<table>/`), read by DuckDB (delta extension) and by Polars
(read_delta, through the `deltalake` package), with no clusterkpi code.

Each argument `TABLE:VERSION:KEY:NUMBER` asks for one table at one of its Delta
versions (`latest` for the current one): the rows, the distinct values of column KEY
and the sum of integer column NUMBER (`-` for none, printed as 0). Prints one line per
engine and argument: `<engine> <table> <version> <rows> <distinct> <sum>`.

LAKE is a folder or `s3://bucket/prefix`; for the latter the endpoint and credentials
come from the usual AWS variables (DuckDB through its httpfs extension and an S3 secret,
Polars through storage options).

Usage: read_dataset.py LAKE TABLE:VERSION:KEY:NUMBER...
"""

import os
import sys
from urllib.parse import urlparse

import duckdb
import polars as pl
from duckdb_extensions import import_extension


def main() -> None:
    lake, specs = sys.argv[1], [a.split(":") for a in sys.argv[2:]]
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    import_extension("delta", con=con)
    con.sql("LOAD delta")
    storage = None
    if lake.startswith("s3://"):
        endpoint = urlparse(os.environ["AWS_ENDPOINT_URL"])
        import_extension("httpfs", con=con)
        con.sql("LOAD httpfs")
        con.sql(
            "CREATE SECRET s3 (TYPE s3, URL_STYLE 'path', "
            f"KEY_ID '{os.environ['AWS_ACCESS_KEY_ID']}', "
            f"SECRET '{os.environ['AWS_SECRET_ACCESS_KEY']}', "
            f"REGION '{os.environ['AWS_REGION']}', ENDPOINT '{endpoint.netloc}', "
            f"USE_SSL {'true' if endpoint.scheme == 'https' else 'false'})"
        )
        storage = {
            k: os.environ[k]
            for k in [
                "AWS_ENDPOINT_URL",
                "AWS_REGION",
                "AWS_ALLOW_HTTP",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
            ]
            if k in os.environ
        }
    for table, version, key, number in specs:
        uri = f"{lake}/{table}"
        at = "" if version == "latest" else f", version => {int(version)}"
        total = "0" if number == "-" else f"COALESCE(SUM({number}), 0)"
        rows, distinct, summed = con.sql(
            f"SELECT COUNT(*), COUNT(DISTINCT {key}), {total} FROM delta_scan('{uri}'{at})"
        ).fetchone()
        print("duckdb", table, version, rows, distinct, summed)
    for table, version, key, number in specs:
        df = pl.read_delta(
            f"{lake}/{table}",
            version=None if version == "latest" else int(version),
            storage_options=storage,
        )
        summed = 0 if number == "-" else int(df[number].sum())
        print("polars", table, version, df.height, df[key].drop_nulls().n_unique(), summed)


if __name__ == "__main__":
    main()
