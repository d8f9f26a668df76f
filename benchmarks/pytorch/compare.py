"""PyTorch eager side of `./bench compare`: the LipSim workloads as the reference implementation
computes them (rescaling recomputed on every forward, residual as `x - 2 * conv_transpose(...)`).

    python compare.py WORKLOAD LAYOUT REPEATS [DEVICE]    # WORKLOAD: forward | sll-layer | conv | finetune-step | distill-step | ensemble-forward | certify | apgd
                                                 # LAYOUT: nchw | channels-last

Prints one JSON line: the seconds of each measured repeat (after one warm-up) and the peak
resident memory of the process. Needs `pip install 'torch==2.13.0+cpu'`; never a build dependency.
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# float32 convolutions in float32, as the Java side computes them by default (lipsim.cuda.tf32)
torch.backends.cudnn.allow_tf32 = False


def safe_inv(x):
    return torch.where(x > 0, 1 / torch.where(x > 0, x, torch.ones_like(x)), torch.zeros_like(x))


class SllConv(nn.Module):
    def __init__(self, channels, inner):
        super().__init__()
        self.kernel = nn.Parameter(nn.init.xavier_normal_(torch.empty(inner, channels, 3, 3)))
        self.bias = nn.Parameter(torch.empty(1, inner, 1, 1).uniform_(-0.05, 0.05))
        self.q = nn.Parameter(torch.randn(inner))

    def forward(self, x):
        ktk = F.conv2d(self.kernel, self.kernel, padding=2).abs()
        q = torch.exp(self.q).reshape(-1, 1, 1, 1)
        t = safe_inv((ktk * q / q).sum((1, 2, 3))).reshape(1, -1, 1, 1)  # the reference's q cancels
        res = t * F.relu(F.conv2d(x, self.kernel, padding=1) + self.bias)
        return x - 2 * F.conv_transpose2d(res, self.kernel, padding=1)


class SllLinear(nn.Module):
    def __init__(self, features, inner):
        super().__init__()
        self.weight = nn.Parameter(nn.init.xavier_normal_(torch.empty(inner, features)))
        self.bias = nn.Parameter(torch.empty(1, inner).uniform_(-0.01, 0.01))
        self.q = nn.Parameter(torch.randn(inner))

    def forward(self, x):
        q = torch.exp(self.q)
        t = safe_inv(torch.abs((1 / q)[:, None] * (self.weight @ self.weight.T) * q[None, :]).sum(1))
        return x - 2 * (t * F.relu(x @ self.weight.T + self.bias)) @ self.weight


class LipSimSmall(nn.Module):
    """Preset 'small': depth 20, 45 channels, inner 5, 7 linear layers of 1024, 1792 outputs."""

    def __init__(self, depth=20, channels=45, linear_depth=7, features=1024, embedding=1792):
        super().__init__()
        self.channels = channels
        self.embedding = embedding
        self.convs = nn.Sequential(*[SllConv(channels, 5) for _ in range(depth)],
                                   nn.AvgPool2d(4, divisor_override=4), nn.AvgPool2d(4, divisor_override=4))
        flat = channels * 14 * 14
        self.linear = nn.Sequential(nn.Flatten(), *[SllLinear(flat, features) for _ in range(linear_depth)])

    def forward(self, x):
        x = F.pad(x, (0, 0, 0, 0, 0, self.channels - 3))
        return self.linear(self.convs(x))[:, :self.embedding]


class Vit(nn.Module):
    """ViT-B/16 in DINO's layout (as DreamSim runs its towers), plain PyTorch eager."""

    def __init__(self, eps, quick_gelu, clip):
        super().__init__()
        self.patch = nn.Conv2d(3, 768, 16, 16)
        self.cls = nn.Parameter(torch.randn(1, 1, 768) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 197, 768) * 0.02)
        self.pre = nn.LayerNorm(768, eps=eps) if clip else nn.Identity()
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            norm1=nn.LayerNorm(768, eps=eps), qkv=nn.Linear(768, 2304), proj=nn.Linear(768, 768),
            norm2=nn.LayerNorm(768, eps=eps), fc1=nn.Linear(768, 3072), fc2=nn.Linear(3072, 768))) for _ in range(12))
        self.norm = nn.LayerNorm(768, eps=eps)
        self.projection = nn.Parameter(torch.randn(768, 512) * 768 ** -0.5) if clip else None
        self.act = (lambda x: x * torch.sigmoid(1.702 * x)) if quick_gelu else F.gelu

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = self.pre(torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos)
        n, t, w = x.shape
        for b in self.blocks:
            q, k, v = b["qkv"](b["norm1"](x)).reshape(n, t, 3, 12, 64).permute(2, 0, 3, 1, 4)
            x = x + b["proj"](F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, t, w))
            x = x + b["fc2"](self.act(b["fc1"](b["norm2"](x))))
        if self.projection is None:
            return x[:, 0]
        return self.norm(x)[:, 0] @ self.projection


def unit(e):
    return e / e.norm(dim=1, keepdim=True)


def apgd_checkpoints(iterations):
    stretch, shortest, decrease = max(int(0.22 * iterations), 1), max(int(0.06 * iterations), 1), max(int(0.03 * iterations), 1)
    points, at = [], stretch
    while at <= iterations:
        points.append(at)
        stretch = max(stretch - decrease, shortest)
        at += stretch
    return points


def apgd_ce_l2(logits_of, x, labels, eps, iterations):
    """APGD-CE in l2 as AutoAttack runs it: momentum 0.75, per-sample steps from 2 eps halved at the checkpoints."""
    n = x.shape[0]
    view = (n, 1, 1, 1)

    def project(delta):
        norms = delta.flatten(1).norm(dim=1).clamp(min=1e-12).view(view)
        delta = delta * torch.clamp(eps / norms, max=1.0)
        return (x + delta).clamp(0, 1) - x

    def evaluate(delta):
        d = delta.clone().requires_grad_(True)
        logits = logits_of(x + d)
        losses = F.cross_entropy(logits, labels, reduction="none")
        grad, = torch.autograd.grad(losses.sum(), d)
        return losses.detach(), grad, logits.argmax(1) != labels

    def direction(g):
        return g / g.flatten(1).norm(dim=1).clamp(min=1e-12).view(view)

    start = torch.randn_like(x)
    delta = project(start / start.flatten(1).norm(dim=1).view(view) * eps)
    steps = torch.full((n,), 2 * eps)
    loss, grad, flipped = evaluate(delta)
    previous, best_delta, best_loss = delta, delta, loss
    successes = torch.zeros(n)
    steps_at, best_at, last = steps, best_loss, 0
    checkpoints = apgd_checkpoints(iterations)
    for k in range(iterations):
        z = project(delta + direction(grad) * steps.view(view))
        nxt = z if k == 0 else project(delta + 0.75 * (z - delta) + 0.25 * (delta - previous))
        new_loss, new_grad, new_flipped = evaluate(nxt)
        successes = successes + (new_loss > loss).float()
        keep = ((new_loss > best_loss) & ~flipped) | (new_flipped & ~flipped)
        best_delta = torch.where(keep.view(view), nxt, best_delta)
        best_loss = torch.where(keep, new_loss, best_loss)
        flipped = flipped | new_flipped
        previous, delta, loss, grad = delta, nxt, new_loss, new_grad
        if k + 1 in checkpoints:
            halve = (successes < 0.75 * (k + 1 - last)) | ((steps == steps_at) & (best_loss == best_at))
            delta = torch.where(halve.view(view), best_delta, nxt)
            loss, grad, _ = evaluate(delta)
            steps_at, best_at = steps, best_loss
            steps = torch.where(halve, steps / 2, steps)
            successes, last = torch.zeros(n), k + 1
    return x + best_delta


def workload(name, layout, device="cpu"):
    torch.manual_seed(0)
    if device != "cpu" and name not in ("forward", "finetune-step"):
        raise SystemExit(f"only forward and finetune-step run on {device}, not {name}")
    if name == "forward":
        model = LipSimSmall().eval().to(device)
        images = torch.rand(32, 3, 224, 224).contiguous(memory_format=layout).to(device)

        def run():
            with torch.no_grad():
                return model(images)
        return run
    if name == "sll-layer":
        layer = SllConv(45, 5)
        x = torch.rand(32, 45, 224, 224).contiguous(memory_format=layout).requires_grad_(True)

        def run():
            layer(x).sum().backward()
            layer.zero_grad(set_to_none=True)
            x.grad = None
        return run
    if name == "conv":
        x = torch.rand(32, 45, 112, 112).contiguous(memory_format=layout).requires_grad_(True)
        weight = (torch.randn(45, 45, 3, 3) * 0.05).requires_grad_(True)

        def run():
            F.conv2d(x, weight, None, 1, 1).sum().backward()
            weight.grad = None
            x.grad = None
        return run
    if name == "finetune-step":
        model = LipSimSmall().train().to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.5, 0.9))
        images = torch.rand(12, 3, 224, 224).contiguous(memory_format=layout)  # moved each step, as a loader's batch
        target = torch.tensor([0.0, 1.0, 0.8, 0.3], device=device)

        def run():
            e = unit(model(images.to(device)))
            ref, left, right = e[0:4], e[4:8], e[8:12]
            logit = (1 - (ref * left).sum(1)) - (1 - (ref * right).sum(1))
            loss = torch.clamp(0.2 - logit * (2 * torch.round(target) - 1), min=0).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return run
    if name == "certify":
        model = LipSimSmall().eval()
        images = torch.rand(192, 3, 224, 224).contiguous(memory_format=layout)

        def run():
            with torch.no_grad():
                for batch in range(4):
                    features = model(images[48 * batch:48 * (batch + 1)])
                    e = unit(features)
                    ref, left, right = e[0:16], e[16:32], e[32:48]
                    d0 = 1 - (ref * left).sum(1)
                    d1 = 1 - (ref * right).sum(1)
                    radius = (d0 - d1).abs() / (left - right).norm(dim=1)
                    torch.minimum(radius, (features[0:16].norm(dim=1) - 1).clamp(min=0)).tolist()
        return run
    if name == "apgd":
        model = LipSimSmall().eval()
        images = torch.rand(12, 3, 224, 224).contiguous(memory_format=layout)
        with torch.no_grad():
            left, right = unit(model(images[4:8])), unit(model(images[8:12]))
        references = images[0:4].clone()
        labels = torch.tensor([0, 1, 0, 1])

        def logits_of(x):
            e = unit(model(x))
            return torch.stack([1 - (e * right).sum(1), 1 - (e * left).sum(1)], 1)

        def run():
            apgd_ce_l2(logits_of, references, labels, 36 / 255, 10)
        return run
    if name == "ensemble-forward":
        towers = [Vit(1e-6, False, False).eval(), Vit(1e-5, True, True).eval(), Vit(1e-5, False, True).eval()]
        images = torch.rand(32, 3, 224, 224).contiguous(memory_format=layout)

        def run():
            with torch.no_grad():
                for tower in towers:
                    tower(images)
        return run
    if name == "distill-step":
        model = LipSimSmall().train()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.5, 0.9))
        views = torch.rand(16, 3, 224, 224).contiguous(memory_format=layout)
        targets = torch.randn(8, 1792) / 1792 ** 0.5

        def run():
            features = model(views)
            rmse = lambda a: torch.sqrt(torch.mean((a - targets) ** 2))
            loss = (rmse(features[:8]) + rmse(features[8:])) / 2
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return run
    raise SystemExit(f"unknown workload {name!r}")


def main():
    name, layout_name, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    layout = {"nchw": torch.contiguous_format, "channels-last": torch.channels_last}[layout_name]
    run = workload(name, layout, device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    run()
    sync()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        sync()
        seconds.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"impl": "pytorch " + torch.__version__, "workload": name, "layout": layout_name, "device": device,
                      "threads": torch.get_num_threads(), "seconds": seconds, "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main()
