# torch-cpu column of the convnet rows (issue 24): the same networks and shapes as the
# bench's ResNet-18 / CIFAR ResNet-20 / VGG-11 rows, through PyTorch on the CPU (Debian
# python3-torch 1.13, no torchvision: the nets are written out here as torchvision defines
# them; ResNet-20 as /work/shared/anchors/torch_resnet20_train.py). Random seeded weights
# and inputs (speed does not depend on the values). "BN folded" rows fold conv+bn with
# torch.ao.quantization.fuse_modules in eval mode; the unfused row runs the plain eval model.
# Timed like the anchors: warm-up runs, then runs until `seconds` and at least 3, median.
# Usage: python3 torch-convnets.py seconds row-id...   (ids as the bench's, e.g. resnet18-b1-2t)
#        -> one JSON line: {"torch": version, "ms": {row-id: median ms}}
import json, re, statistics, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
from torch.ao.quantization import fuse_modules

seconds = float(sys.argv[1])
rows = sys.argv[2:]
torch.manual_seed(0)

class Basic(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.conv1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.bn1 = nn.BatchNorm2d(o)
        s.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(o)
        s.downsample = nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o)) if st != 1 or i != o else None
    def forward(s, x):
        y = s.bn2(s.conv2(F.relu(s.bn1(s.conv1(x)))))
        return F.relu(y + (s.downsample(x) if s.downsample is not None else x))

class ResNet18(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False); s.bn1 = nn.BatchNorm2d(64); s.maxpool = nn.MaxPool2d(3, 2, 1)
        L, i = [], 64
        for o, st in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            L.append(nn.Sequential(Basic(i, o, st), Basic(o, o, 1))); i = o
        s.layer1, s.layer2, s.layer3, s.layer4 = L; s.fc = nn.Linear(512, 1000)
    def forward(s, x):
        x = s.maxpool(F.relu(s.bn1(s.conv1(x))))
        x = s.layer4(s.layer3(s.layer2(s.layer1(x))))
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
    def fuse(s):
        fuse_modules(s, [['conv1', 'bn1']], inplace=True)
        for n, m in s.named_modules():
            if isinstance(m, Basic):
                fuse_modules(m, [['conv1', 'bn1'], ['conv2', 'bn2']] + ([['downsample.0', 'downsample.1']] if m.downsample is not None else []), inplace=True)
        return s

def vgg11():
    L, c = [], 3
    for e in [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']:
        if e == 'M': L.append(nn.MaxPool2d(2, 2))
        else: L += [nn.Conv2d(c, e, 3, 1, 1), nn.ReLU()]; c = e
    return nn.Sequential(*L, nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(c * 49, 4096), nn.ReLU(), nn.Dropout(),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000))

class Block20(nn.Module):
    def __init__(s, i, o, st):
        super().__init__(); s.c1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.b1 = nn.BatchNorm2d(o); s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o); s.st, s.i, s.o = st, i, o
    def forward(s, x):
        y = F.relu(s.b1(s.c1(x))); y = s.b2(s.c2(y))
        sc = x if s.st == 1 and s.i == s.o else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 0, s.o - s.i))
        return F.relu(y + sc)

class ResNet20(nn.Module):
    def __init__(s):
        super().__init__(); s.c = nn.Conv2d(3, 16, 3, 1, 1, bias=False); s.b = nn.BatchNorm2d(16)
        L, i = [], 16
        for o, st in [(16, 1), (32, 2), (64, 2)]:
            for k in range(3): L.append(Block20(i, o, st if k == 0 else 1)); i = o
        s.l = nn.Sequential(*L); s.fc = nn.Linear(64, 10)
    def forward(s, x): return s.fc(F.adaptive_avg_pool2d(s.l(F.relu(s.b(s.c(x)))), 1).flatten(1))

def median_ms(step, warm=2):
    for _ in range(warm): step()
    ts = []; t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds or len(ts) < 3:
        s = time.perf_counter(); step(); ts.append(time.perf_counter() - s)
    return statistics.median(ts) * 1000

def row(rid):
    m = re.fullmatch(r'(resnet18|vgg11)-b(\d+)(-unfused)?-(\d+)t|resnet20-train-(\d+)t', rid)
    if not m: raise SystemExit(f'torch-convnets.py: unknown row id {rid}')
    if m.group(5):
        torch.set_num_threads(int(m.group(5)))
        net = ResNet20().train(); opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        x = torch.randn(128, 3, 32, 32); y = torch.randint(0, 10, (128,))
        def step():
            opt.zero_grad(); F.cross_entropy(net(x), y).backward(); opt.step()
        return median_ms(step)
    torch.set_num_threads(int(m.group(4)))
    net = (ResNet18() if m.group(1) == 'resnet18' else vgg11()).eval()
    if m.group(1) == 'resnet18' and not m.group(3): net.fuse()
    x = torch.randn(int(m.group(2)), 3, 224, 224)
    def step():
        with torch.no_grad(): net(x)
    return median_ms(step)

print(json.dumps({'torch': torch.__version__, 'ms': {r: row(r) for r in rows}}))
