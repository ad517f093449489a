import { describeZoo } from './zoo-config.js';
import { gradients, type Tensor } from '@tessera/core';
import { Linear, Module, klSparsityPenalty, mseLoss } from '@tessera/layers';
import { ModelConfigError, positiveInt } from './errors.js';

/** Options shared by the one-hidden-layer regularized autoencoders. */
export interface ShallowAutoencoderOptions {
  /** Input features (data in [0, 1]: the output is a sigmoid). */
  readonly inFeatures: number;
  /** Hidden (code) units. */
  readonly hidden: number;
}

/**
 * A one-hidden-layer autoencoder with sigmoid code h = σ(Wx + b) and sigmoid output,
 * trained on the MSE reconstruction loss plus a weighted regularizer. Names `encoder`, `decoder`.
 */
export abstract class RegularizedAutoencoder extends Module {
  readonly encoder: Linear;
  readonly decoder: Linear;

  protected constructor(name: string, opts: ShallowAutoencoderOptions) {
    super();
    positiveInt(name, 'inFeatures', opts.inFeatures);
    positiveInt(name, 'hidden', opts.hidden);
    this.encoder = new Linear(opts.inFeatures, opts.hidden);
    this.decoder = new Linear(opts.hidden, opts.inFeatures);
  }

  /** The code h = σ(Wx + b), [N, hidden]. */
  encode(x: Tensor): Tensor {
    return this.encoder.call(x).sigmoid();
  }

  /** The reconstruction σ(W'h + b'). */
  decode(h: Tensor): Tensor {
    return this.decoder.call(h).sigmoid();
  }

  forward(x: Tensor): Tensor {
    return this.decode(this.encode(x));
  }

  /** The regularizer, unweighted, for a batch and its codes. */
  abstract penalty(x: Tensor, h: Tensor): Tensor;

  /** Its weight in {@link RegularizedAutoencoder.loss}. */
  abstract readonly penaltyWeight: number;

  /** The training loss: MSE(reconstruction, x) + penaltyWeight · penalty. */
  loss(x: Tensor): Tensor {
    const h = this.encode(x);
    return mseLoss(this.decode(h), x).add(this.penalty(x, h).mul(this.penaltyWeight));
  }
}

/** Options of {@link SparseAutoencoder}. */
export interface SparseAutoencoderOptions extends ShallowAutoencoderOptions {
  /** Target mean activation ρ of each hidden unit (default 0.05). */
  readonly rho?: number;
  /** Weight β of the KL sparsity penalty (default 3). */
  readonly beta?: number;
}

/**
 * A sparse autoencoder (Ng's notes): the KL divergence between ρ and each hidden unit's
 * mean activation over the batch (`klSparsityPenalty`), weighted by β, pushes most units
 * towards inactivity.
 *
 * @example
 * const ae = new SparseAutoencoder({ inFeatures: 64, hidden: 25, rho: 0.05, beta: 3 });
 * ae.loss(x).backward();
 */
export class SparseAutoencoder extends RegularizedAutoencoder {
  readonly rho: number;
  readonly penaltyWeight: number;

  constructor(opts: SparseAutoencoderOptions) {
    super('SparseAutoencoder', opts);
    const { rho = 0.05, beta = 3 } = opts;
    if (!(rho > 0 && rho < 1)) throw new ModelConfigError('SparseAutoencoder', `rho is ${rho}`, 'Pass a target activation in (0, 1).');
    if (!(beta >= 0)) throw new ModelConfigError('SparseAutoencoder', `beta is ${beta}`, 'Pass a weight ≥ 0.');
    this.rho = rho;
    this.penaltyWeight = beta;
    describeZoo(this, 'SparseAutoencoder', [opts], SparseAutoencoder);
  }

  penalty(_x: Tensor, h: Tensor): Tensor {
    return klSparsityPenalty(h, { rho: this.rho });
  }
}

/** Options of {@link ContractiveAutoencoder}. */
export interface ContractiveAutoencoderOptions extends ShallowAutoencoderOptions {
  /** Weight λ of the Jacobian penalty (default 0.1). */
  readonly lambda?: number;
  /**
   * How the Jacobian norm is computed: 'closed-form' (default) uses, for the sigmoid
   * encoder, ‖∂h/∂x‖²_F = Σ_j (h_j(1 − h_j))² Σ_i W_ji²; 'autograd' builds the Jacobian row
   * by row with second-order autograd (one backward pass per hidden unit; slower, same value).
   */
  readonly jacobian?: 'closed-form' | 'autograd';
}

/**
 * A contractive autoencoder (Rifai et al. 2011): the penalty is the squared Frobenius norm
 * of the encoder's Jacobian ∂h/∂x, averaged over the batch, which makes the code
 * insensitive to small input changes.
 *
 * @example
 * const ae = new ContractiveAutoencoder({ inFeatures: 64, hidden: 16, lambda: 0.1 });
 * ae.loss(x).backward();
 */
export class ContractiveAutoencoder extends RegularizedAutoencoder {
  readonly penaltyWeight: number;
  readonly jacobian: 'closed-form' | 'autograd';

  constructor(opts: ContractiveAutoencoderOptions) {
    super('ContractiveAutoencoder', opts);
    const { lambda = 0.1, jacobian = 'closed-form' } = opts;
    if (!(lambda >= 0)) throw new ModelConfigError('ContractiveAutoencoder', `lambda is ${lambda}`, 'Pass a weight ≥ 0.');
    if (jacobian !== 'closed-form' && jacobian !== 'autograd')
      throw new ModelConfigError('ContractiveAutoencoder', `unknown jacobian '${String(jacobian)}'`, "Use 'closed-form' or 'autograd'.");
    this.penaltyWeight = lambda;
    this.jacobian = jacobian;
    describeZoo(this, 'ContractiveAutoencoder', [opts], ContractiveAutoencoder);
  }

  /** Mean over the batch of ‖∂h/∂x‖²_F (h is recomputed from x for 'autograd'). */
  penalty(x: Tensor, h: Tensor): Tensor {
    if (this.jacobian === 'autograd') return this.autogradPenalty(x);
    const slope = h.mul(h.neg().add(1)).square(); // (h(1 − h))², [N, H]
    const rowNorms = this.encoder.weight.square().sum(1); // Σ_i W_ji², [H]
    return slope.mul(rowNorms).sum(1).mean();
  }

  private autogradPenalty(x: Tensor): Tensor {
    const input = x.detach().requiresGrad_();
    const h = this.encode(input);
    const hidden = h.shape[1]!;
    let total: Tensor | undefined;
    for (let j = 0; j < hidden; j++) {
      // Samples are independent, so the gradient of Σ_n h_nj is row j of each sample's Jacobian.
      const [row] = gradients(h.narrow(1, j, 1).sum(), [input], undefined, { createGraph: true, retainGraph: true });
      const sq = row!.square().sum();
      total = total === undefined ? sq : total.add(sq);
    }
    return total!.div(x.shape[0]!);
  }
}
