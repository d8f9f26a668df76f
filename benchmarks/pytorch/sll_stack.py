"""The SLL convolution stack of SllConvBenchmark in PyTorch eager mode, for comparison (BENCHMARKS.md).

    pip install 'torch==2.13.0+cpu' && python sll_stack.py
"""
import torch, time
import torch.nn.functional as F
torch.manual_seed(0)
C, I, L = 45, 5, 4
ks = [torch.randn(I, C, 3, 3) * 0.1 for _ in range(L)]
bs = [torch.rand(1, I, 1, 1) for _ in range(L)]
def t_of(k):
    ktk = F.conv2d(k, k, padding=2).abs().sum((1, 2, 3))
    return 1 / ktk
def fwd(x, ks):
    for k, b in zip(ks, bs):
        t = t_of(k).reshape(1, -1, 1, 1)
        h = F.relu(F.conv2d(x, k, padding=1) + b) * t
        x = x - 2 * F.conv_transpose2d(h, k, padding=1)
    return x
for layout in [torch.contiguous_format, torch.channels_last]:
    x = torch.rand(8, C, 224, 224).contiguous(memory_format=layout)
    with torch.no_grad():
        fwd(x, ks)
        t0 = time.perf_counter(); n = 3
        for _ in range(n): fwd(x, ks)
        dt = (time.perf_counter() - t0) / n
    kk = [k.clone().requires_grad_(True) for k in ks]
    fwd(x, kk).mean().backward()
    t0 = time.perf_counter()
    for _ in range(n): fwd(x, kk).mean().backward()
    db = (time.perf_counter() - t0) / n
    print(layout, "forward ms", dt * 1e3, "fwd+bwd ms", db * 1e3, "GFLOP/s fwd", 8 * 2 * 8 * 224 * 224 * C * I * 9 / dt / 1e9)
