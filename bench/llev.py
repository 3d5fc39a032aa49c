"""llev.py: reading an LLEV stream file with numpy, for the numpy anchors
of the benchmark (psd_numpy.py, varstat_numpy.py) and the tests that use
them as a reference."""
import json

import numpy as np

RECORD = np.dtype([("time", "<f8"), ("wavelength", "<f4"), ("wbin", "<i4")])


def read_stream(path):
    """The stream's metadata (a dict) and its records (a structured array)."""
    with open(path, "rb") as f:
        prefix = f.read(12)
        assert prefix[:4] == b"LLEV", "not an LLEV stream"
        h = int.from_bytes(prefix[8:12], "little")
        meta = json.loads(f.read(h).decode())
    return meta, np.fromfile(path, dtype=RECORD, offset=12 + h)
