import Foundation
import TesseraKernels

/// AdamW's settings, defaulting to what the Hugging Face Trainer runs (torch.optim.AdamW).
public struct AdamWSettings: Sendable, Equatable, Codable {
    /// Peak learning rate.
    public var learningRate: Double
    /// β₁.
    public var beta1: Double
    /// β₂.
    public var beta2: Double
    /// ε, added to √v̂.
    public var epsilon: Double
    /// Decoupled weight decay (not applied to biases and LayerNorm weights).
    public var weightDecay: Double

    /// Makes settings; defaults are the HF Trainer's (lr 5e-5, betas 0.9 / 0.999, eps 1e-8, decay 0.01).
    public init(learningRate: Double = 5e-5, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// AdamW with decoupled weight decay, operation for operation as `torch.optim.AdamW` (single-tensor path):
/// `p ← p(1 − lr·λ)`, `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)`,
/// in float32 as torch does, with fp32 master weights (the parameters themselves).
public final class AdamW: @unchecked Sendable {
    /// The settings.
    public let settings: AdamWSettings
    /// The parameters updated, in order.
    public let parameters: [Parameter]
    /// First moments, one per parameter.
    public let firstMoments: [Matrix]
    /// Second moments, one per parameter.
    public let secondMoments: [Matrix]
    /// Steps taken.
    public private(set) var step = 0

    /// An optimiser over `parameters` with zero moments.
    public init(parameters: [Parameter], settings: AdamWSettings) {
        self.settings = settings
        self.parameters = parameters
        firstMoments = parameters.map { Matrix(shape: $0.shape) }
        secondMoments = parameters.map { Matrix(shape: $0.shape) }
    }

    /// Restores the step count (moments are restored by writing into ``firstMoments`` / ``secondMoments``).
    public func restore(step: Int) { self.step = step }

    /// One update at learning rate `lr` from the parameters' current gradients.
    public func update(learningRate lr: Double) {
        step += 1
        let b1 = Float(settings.beta1), b2 = Float(settings.beta2), eps = Float(settings.epsilon)
        let correction1 = 1 - Foundation.pow(settings.beta1, Double(step))
        let correction2 = 1 - Foundation.pow(settings.beta2, Double(step))
        let stepSize = Float(lr / correction1)
        let correction2Root = Float(correction2.squareRoot())
        for (index, p) in parameters.enumerated() {
            let w = p.values, g = p.gradients
            let m = firstMoments[index].pointer, v = secondMoments[index].pointer
            let decay = p.decays ? Float(1 - lr * settings.weightDecay) : 1
            for i in 0..<p.count {
                w[i] *= decay
                m[i] += (g[i] - m[i]) * (1 - b1)
                v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i]
                let denominator = v[i].squareRoot() / correction2Root + eps
                w[i] += -stepSize * (m[i] / denominator)
            }
        }
    }
}

/// The HF Trainer's default schedule: linear warmup from 0 over `warmup` steps, then linear decay to 0 at `total`.
public struct LinearSchedule: Sendable, Equatable {
    /// Peak learning rate.
    public var peak: Double
    /// Warmup steps.
    public var warmup: Int
    /// Total steps.
    public var total: Int

    /// Makes a schedule.
    public init(peak: Double, warmup: Int, total: Int) {
        self.peak = peak
        self.warmup = warmup
        self.total = total
    }

    /// The learning rate of the update after `completed` updates (0-based, as `LambdaLR` counts).
    public func learningRate(after completed: Int) -> Double {
        if completed < warmup { return peak * Double(completed) / Double(max(1, warmup)) }
        return peak * max(0, Double(total - completed) / Double(max(1, total - warmup)))
    }
}

/// Clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// The global L2 norm of every parameter's gradient (each storage counted once).
    public static func norm(_ parameters: [Parameter]) -> Double {
        var sum = 0.0
        for p in parameters {
            let g = p.gradients
            for i in 0..<p.count { sum += Double(g[i]) * Double(g[i]) }
        }
        return sum.squareRoot()
    }

    /// Scales every gradient by `min(1, maxNorm / (norm + 1e-6))`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ parameters: [Parameter], maxNorm: Double) -> Double {
        let total = norm(parameters)
        let coefficient = maxNorm / (total + 1e-6)
        if coefficient < 1 {
            let c = Float(coefficient)
            for p in parameters {
                let g = p.gradients
                for i in 0..<p.count { g[i] *= c }
            }
        }
        return total
    }
}
