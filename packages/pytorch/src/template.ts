/** The imports and the helpers that build the module tree, at the top of a generated file. */
export const PYTHON_HELPERS = `import json
import struct

import torch
import torch.nn.functional as F
from torch import nn


def _owner(root, path):
    """The module that holds \`path\`'s last part, made of plain nn.Module containers as needed."""
    *parents, name = path.split(".")
    for p in parents:
        if p not in root._modules:
            root.add_module(p, nn.Module())
        root = root._modules[p]
    return root, name


def _place(root, path, module):
    owner, name = _owner(root, path)
    owner.add_module(name, module)


def _parameter(root, path, shape):
    owner, name = _owner(root, path)
    owner.register_parameter(name, nn.Parameter(torch.zeros(shape)))


def _buffer(root, path, shape, dtype):
    owner, name = _owner(root, path)
    owner.register_buffer(name, torch.zeros(shape, dtype=dtype))
`;

/** A safetensors reader (safetensors.torch when installed, else plain Python), after the class. */
export const PYTHON_LOADER = `_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


def load_weights(path):
    """A state dict from a safetensors file: safetensors.torch when installed, else this reader."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        load_file = None
    if load_file is not None:
        return load_file(path)
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        raw = bytearray(data[8 + n + start : 8 + n + end])
        flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(info["shape"]).clone()
    return out
`;
