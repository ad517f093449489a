"""Loads a model written by exportPytorch and runs it on inputs from a safetensors file.

usage: python3 run_torch.py MODEL_PY WEIGHTS INPUTS OUT_JSON TRAINED_PTH
Prints nothing; writes {"outputs": [[...], ...], "keys": [...], "trainLoss": [before, after], "trainedOutputs": [[...]]}
and the trained state dict to TRAINED_PTH with torch.save
(trainLoss: the mean-square of output 0 before and after one SGD step in training mode,
with the same dropout masks, which shows the module trains under PyTorch).
"""
import importlib.util
import json
import sys

import torch

model_py, weights, inputs, out_json, trained_pth = sys.argv[1:6]
spec = importlib.util.spec_from_file_location("exported", model_py)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
net = mod.load_model(weights)
net.eval()
xs = mod.load_weights(inputs)
args = [xs[f"x{i}"] for i in range(len(xs))]
with torch.no_grad():
    y = net(*args)
outs = [y] if isinstance(y, torch.Tensor) else list(y)
result = {"outputs": [o.flatten().tolist() for o in outs], "keys": list(net.state_dict().keys())}
net.train()
opt = torch.optim.SGD(net.parameters(), lr=0.01)
losses = []
for _ in range(2):
    torch.manual_seed(0)  # the same dropout masks in both steps: the loss must fall
    opt.zero_grad()
    first = net(*args)
    first = first if isinstance(first, torch.Tensor) else first[0]
    loss = first.float().pow(2).mean()
    loss.backward()
    opt.step()
    losses.append(loss.item())
result["trainLoss"] = losses
net.eval()
with torch.no_grad():
    y = net(*args)
result["trainedOutputs"] = [o.flatten().tolist() for o in ([y] if isinstance(y, torch.Tensor) else list(y))]
torch.save(net.state_dict(), trained_pth)  # the way back: Tessera reads .pth files
with open(out_json, "w") as f:
    json.dump(result, f)
