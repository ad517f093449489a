# torch-cpu column of the compiled-step section (issue 15): the same training workloads as
# Tessera's fit runs, through PyTorch on the CPU (Debian python3-torch; not needed in CI).
# Timed as /work/shared/anchors/torch_anchor.py does: warm-up steps, then steps until a
# minimum time, median per step. Inputs are seeded, of the same shapes (10 batches cycled).
# Usage: python3 torch-train.py [seconds] [threads]  -> one JSON line on stdout.
import json, statistics, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)

def bench(step, batches, min_time, warm=3):
    for i in range(warm): step(*batches[i % len(batches)])
    ts = []; t0 = time.perf_counter(); i = 0
    while time.perf_counter() - t0 < min_time or len(ts) < 5:
        s = time.perf_counter(); step(*batches[i % len(batches)]); ts.append(time.perf_counter() - s); i += 1
    return statistics.median(ts)

def train_rate(net, example, batch):
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    batches = [(torch.randn(batch, *example), torch.randint(0, 10, (batch,))) for _ in range(10)]
    def step(x, y):
        opt.zero_grad(); loss = F.cross_entropy(net(x), y); loss.backward(); opt.step()
    return batch / bench(step, batches, seconds)

mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
cnn = nn.Sequential(nn.Conv2d(1, 32, 5), nn.MaxPool2d(3), nn.ReLU(), nn.Conv2d(32, 64, 5), nn.MaxPool2d(2), nn.ReLU(),
                    nn.Flatten(), nn.Linear(256, 200), nn.ReLU(), nn.Linear(200, 10))
assert sum(p.numel() for p in cnn.parameters()) == 105506
res = {'torch': torch.__version__, 'threads': threads,
       'mlp': train_rate(mlp, (784,), 128), 'cnn': train_rate(cnn, (1, 28, 28), 100)}
print(json.dumps(res))
