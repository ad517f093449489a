import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './helpers.js';

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, text: io.text() };
}

describe('tessera arguments', () => {
  it('unknown names list the valid ones, with exit code 2', async () => {
    expect(await run('fly')).toEqual({ code: 2, text: expect.stringMatching(/unknown command 'fly'; valid commands: train, generate, eval, predict, export, info, bench/) });
    expect(await run('train', '--model', 'resnet9000')).toEqual({ code: 2, text: expect.stringMatching(/unknown --model 'resnet9000'; valid values: mnist-cnn, mlp/) });
    expect(await run('train', '--dataset', 'imagenet')).toEqual({ code: 2, text: expect.stringMatching(/unknown --dataset 'imagenet'; valid values: mnist, mnist-sample, fashion-mnist, cifar10/) });
    expect(await run('train', '--backend', 'tpu')).toEqual({ code: 2, text: expect.stringMatching(/valid values: auto, cpu, webgpu/) });
    expect((await run('train', '--model', 'mpl')).text).toMatch(/unknown --model 'mpl'; valid values: .*\. Did you mean 'mlp'\?/);
    expect((await run('trian')).text).toMatch(/valid commands: train, generate, eval, predict, export, info, bench\. Did you mean 'train'\?/);
    expect(await run('train', '--optimizer', 'lbfgs')).toEqual({ code: 2, text: expect.stringMatching(/valid values: adadelta, adagrad, adam, adamw, rmsprop, sgd/) });
  });

  it('bad values and unknown options say what is expected', async () => {
    expect((await run('train', '--epochs', 'ten')).text).toMatch(/--epochs must be an integer ≥ 1 but got 'ten'/);
    expect((await run('train', '--batch-size', '0')).text).toMatch(/--batch-size must be an integer ≥ 1 but got '0'/);
    expect((await run('train', '--lr=-1')).text).toMatch(/--lr must be a number ≥ 0/);
    const r = await run('train', '--epoch', '3');
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/^error: tessera train: Unknown option '--epoch'\. Did you mean '--epochs'\?$/m);
    expect((await run('train', '--batchsize=8')).text).toMatch(/Unknown option '--batchsize'\. Did you mean '--batch-size'\?/);
    expect((await run('train', '--zzzzzz', '3')).text).not.toMatch(/Did you mean/);
    expect(r.text).toMatch(/--epochs <value>/); // the usage follows
  });

  it('a model/dataset mismatch is reported before anything is loaded', async () => {
    const r = await run('train', '--model', 'mnist-cnn', '--dataset', 'cifar10', '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/model 'mnist-cnn' expects 1×28×28 images \(C×H×W\) but dataset 'cifar10' has 3×32×32/);
  });

  it('eval/predict need a model; predict needs images', async () => {
    expect((await run('eval')).text).toMatch(/tessera eval: give the model \(a run directory, \.safetensors or \.onnx file\)/);
    expect((await run('predict', 'digit.png')).text).toMatch(/tessera predict: give the model first/);
    expect((await run('predict', 'photo.JPG')).text).toMatch(/tessera predict: give the model first/);
    expect((await run('eval', '--checkpoint', '/nonexistent/run')).text).toMatch(/does not exist/);
    expect((await run('predict', '--checkpoint', '/tmp')).text).toMatch(/give at least one PNG or JPEG file/);
  });

  it('help texts', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/train\s+Train a model/);
    expect((await run('train', '--help')).text).toMatch(/--model <value>\s+model name \(image classifiers and text models; tessera info lists each one's task\) \[mnist-cnn\|mlp\|lenet5\|vgg-mini\|resnet20\|char-gpt\|g2p-transformer\|g2p-lstm-attention\] \(default: mnist-cnn\)/);
  });
});
