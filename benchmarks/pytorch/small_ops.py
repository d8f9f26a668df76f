"""The small ops of dev.lipsim.benchmarks.SmallOps in PyTorch eager mode: one JSON line per op
with the best of several timed rounds, in nanoseconds per op."""
import json
import timeit

import torch

torch.manual_seed(0)
a, b = torch.randn(2, 2), torch.randn(2, 2)
x, y = torch.randn(1, 2, 2, 2), torch.randn(1, 2, 2, 2)
c, d = torch.randn(256, 256), torch.randn(512, 512)
x_last, y_last = x.contiguous(memory_format=torch.channels_last), y.contiguous(memory_format=torch.channels_last)
ops = {
    "mul 2x2": lambda: a * b,
    "mul 1x2x2x2 nchw": lambda: x * y,
    "mul 1x2x2x2 channels-last": lambda: x_last * y_last,
    "add 2x2": lambda: a + b,
    "exp 2x2": lambda: a.exp(),
    "relu 2x2": lambda: a.relu(),
    "sum 2x2": lambda: a.sum(),
    "matmul 2x2": lambda: a @ b,
    "transpose 2x2": lambda: a.transpose(0, 1),
    "reshape 2x2 to 4": lambda: a.reshape(4),
    "select row of 2x2": lambda: a.select(0, 1),
    "mul 256x256": lambda: c * c,
    "mul 512x512": lambda: d * d,
}
for name, op in ops.items():
    scale = 100 if "x256" in name or "x512" in name else 1
    timeit.timeit(op, number=300_000 // scale)
    best = min(timeit.repeat(op, number=200_000 // scale, repeat=7)) / (200_000 // scale)
    print(json.dumps({"impl": f"pytorch {torch.__version__}", "op": name, "ns": round(best * 1e9, 1)}))
