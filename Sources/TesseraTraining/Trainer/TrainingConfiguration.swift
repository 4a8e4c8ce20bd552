import Foundation
import TesseraModels

/// Everything that determines a training run's result. Recorded in every checkpoint; `--resume` refuses a run
/// whose configuration differs (except the thread count, which is recorded but may change, losing only
/// bit-exactness).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// `mnrl` or `gecko` (pooled embeddings), `colbert`, `xtr` or `aligner` (token vectors).
    public var loss: String
    /// MNRL's cosine scale.
    public var scale: Double = 20
    /// The temperature τ of Gecko's loss (default 0.05) and of the multi-vector losses (ColBERT 1, as PyLate's
    /// `Contrastive`; XTR and AligneR 0.05).
    public var temperature: Double = 0.05
    /// XTR's k_train: the document tokens of the batch each query token keeps (nil: 128).
    public var kTrain: Int?
    /// AligneR: document tokens each query token aligns to in each document (top-k alignment; nil: 1).
    public var alignK: Int?
    /// AligneR: fraction of a query's tokens the salience gate keeps (α_q; nil: 0.5, or a trained model's).
    public var alphaQuery: Double?
    /// AligneR: fraction of a document's tokens the salience gate keeps (α_d; nil: 0.4, or a trained model's).
    public var alphaDocument: Double?
    /// AligneR: the gate's entropy weight ε (nil: 0.002, or a trained model's).
    public var epsilon: Double?
    /// AligneR: iterations of the gate's solver (nil: 20, or a trained model's).
    public var gateIterations: Int?
    /// Width of a new token head (a model without one gets a projection to this many dimensions; nil: 128).
    public var tokenDimension: Int?
    /// How a new token head starts: nil or `random` (uniform ±1/√in, as PyLate), `pca` (the principal directions of
    /// the encoder's normalised token states on the training texts: the zero-shot geometry, exactly at full width).
    public var headInit: String?
    /// How AligneR's new salience heads start: nil or `random` (small random weights, bias 1: every token equally
    /// salient), `idf` (fitted by ridge regression to the inverse document frequency of each token over the training
    /// documents: the ranking of the IDF proxy, ``SalienceRegression``).
    public var salienceInit: String?
    /// Matryoshka widths (empty: the model's full width only).
    public var matryoshkaDimensions: [Int] = []
    /// One weight per Matryoshka width (empty: 1 each).
    public var matryoshkaWeights: [Double] = []
    /// Examples per batch (the loss's batch).
    public var batchSize: Int = 32
    /// GradCache mini-batch (sequences encoded at once); nil: the whole batch at once.
    public var miniBatchSize: Int?
    /// Peak learning rate.
    public var learningRate: Double = 2e-5
    /// Epochs (when `steps` is nil).
    public var epochs: Int = 1
    /// Total optimiser steps (overrides `epochs`).
    public var steps: Int?
    /// Warmup steps.
    public var warmupSteps: Int = 0
    /// AdamW's decoupled weight decay.
    public var weightDecay: Double = 0.01
    /// Clipping by global norm.
    public var maxGradNorm: Double = 1.0
    /// The seed of shuffling and dropout.
    public var seed: UInt64 = 42
    /// Whether each epoch visits the examples in a seeded random order (else file order).
    public var shuffle: Bool = true
    /// Dropout probability (nil: the model's `hidden_dropout_prob`).
    public var dropout: Float?
    /// Token budget of documents.
    public var maxLength: Int = 256
    /// Token budget of queries.
    public var queryMaxLength: Int = 64
    /// Hard negatives per query (nil: the fewest any example has).
    public var negatives: Int?
    /// How texts are formatted for the encoder.
    public var format: InputFormat = .plain
    /// Train the heads only (token head, salience heads, `Dense` heads) and keep the encoder's weights as they are
    /// (nil: false). The checkpoint still holds the whole model.
    public var freezeEncoder: Bool?
    /// Keep the token head's weights as they are (nil: false): with ``freezeEncoder``, an AligneR run then trains its
    /// salience heads alone.
    public var freezeTokenHead: Bool?
    /// Keep the embeddings and the first N transformer layers as they are and train the layers above them (and the heads)
    /// (nil: none frozen). The backward pass stops at layer N.
    public var freezeLayers: Int?
    /// Steps between checkpoints (nil: once per epoch).
    public var checkpointEvery: Int?
    /// The source model folder's fingerprint.
    public var modelFingerprint: String = ""
    /// SHA-256 of the training data file.
    public var dataChecksum: String = ""

    /// Makes a configuration for `loss` with the defaults.
    public init(loss: String) {
        self.loss = loss
        if loss == "colbert" { temperature = 1 }
    }

    /// Whether the loss scores token vectors.
    public var isMultiVector: Bool { ["colbert", "xtr", "aligner"].contains(loss) }

    /// AligneR's gate settings: the configuration's, else those of the model's trained heads, else the paper's.
    public func salienceSettings(trained: SalienceHeads?) -> (alphaQuery: Double, alphaDocument: Double, epsilon: Double, iterations: Int) {
        (alphaQuery ?? trained?.alphaQuery ?? 0.5, alphaDocument ?? trained?.alphaDocument ?? 0.4,
         epsilon ?? trained?.gate.epsilon ?? 0.002, gateIterations ?? trained?.gate.iterations ?? 20)
    }

    /// The values ``headInit`` takes.
    public static let headInits = ["random", "pca"]
    /// The values ``salienceInit`` takes.
    public static let salienceInits = ["random", "idf"]
    /// The default of ``kTrain``.
    public static let defaultKTrain = 128
    /// The default of ``tokenDimension``.
    public static let defaultTokenDimension = 128

    /// The multi-vector loss this configuration trains with (nil for a pooled loss).
    public func multiVectorLoss() throws(TrainingError) -> MultiVectorLoss? {
        guard isMultiVector else { return nil }
        guard temperature > 0, temperature.isFinite else { throw TrainingError(.invalidArgument, "--temperature must be positive") }
        if loss == "colbert" { return MultiVectorLoss(score: .colbert, temperature: temperature) }
        if loss == "aligner" {
            let s = salienceSettings(trained: nil)
            return MultiVectorLoss(score: .aligner(k: alignK ?? 1, alphaQuery: s.alphaQuery, alphaDocument: s.alphaDocument,
                                                   gate: SalienceGate(epsilon: s.epsilon, iterations: s.iterations)),
                                   temperature: temperature)
        }
        let k = kTrain ?? Self.defaultKTrain
        guard k >= 1 else { throw TrainingError(.invalidArgument, "--k-train must be at least 1") }
        return MultiVectorLoss(score: .xtr(kTrain: k), temperature: temperature)
    }

    /// The loss this configuration trains with at the model's `width`.
    public func matryoshkaLoss(width: Int) throws(TrainingError) -> MatryoshkaLoss {
        let base: ContrastiveLoss
        switch loss {
        case "mnrl": base = .multipleNegativesRanking(scale: scale)
        case "gecko":
            guard temperature > 0 else { throw TrainingError(.invalidArgument, "--temperature must be positive") }
            base = .gecko(temperature: temperature)
        case "colbert", "xtr", "aligner": throw TrainingError(.invalidArgument, "\(loss) scores token vectors: it has no pooled loss")
        default: throw TrainingError(.invalidArgument, "unknown loss \(loss) (mnrl, gecko, colbert, xtr or aligner)")
        }
        let dims = matryoshkaDimensions.isEmpty ? [width] : matryoshkaDimensions
        for d in dims where d < 1 || d > width {
            throw TrainingError(.invalidArgument, "Matryoshka dimension \(d) outside 1...\(width)")
        }
        guard matryoshkaWeights.isEmpty || matryoshkaWeights.count == dims.count else {
            throw TrainingError(.invalidArgument, "\(dims.count) Matryoshka dimensions but \(matryoshkaWeights.count) weights")
        }
        return MatryoshkaLoss(loss: base, dimensions: dims, weights: matryoshkaWeights.isEmpty ? nil : matryoshkaWeights)
    }

    /// Checks the settings that have no model or data to be checked against.
    public func validate() throws(TrainingError) {
        guard batchSize >= 2 else { throw TrainingError(.invalidArgument, "--batch-size must be at least 2 (in-batch negatives)") }
        if let m = miniBatchSize, m < 1 { throw TrainingError(.invalidArgument, "--mini-batch-size must be at least 1") }
        guard learningRate >= 0, learningRate.isFinite else { throw TrainingError(.invalidArgument, "--lr must be a finite number ≥ 0") }
        guard epochs >= 1 else { throw TrainingError(.invalidArgument, "--epochs must be at least 1") }
        if let s = steps, s < 1 { throw TrainingError(.invalidArgument, "--steps must be at least 1") }
        guard warmupSteps >= 0 else { throw TrainingError(.invalidArgument, "--warmup must be ≥ 0") }
        if let d = dropout, !(d >= 0 && d < 1) { throw TrainingError(.invalidArgument, "--dropout must be in [0, 1)") }
        guard maxLength >= 3, queryMaxLength >= 3 else { throw TrainingError(.invalidArgument, "--max-length and --query-max-length must be at least 3") }
        if let n = negatives, n < 0 { throw TrainingError(.invalidArgument, "--negatives must be ≥ 0") }
        if let c = checkpointEvery, c < 1 { throw TrainingError(.invalidArgument, "--checkpoint-every must be at least 1") }
        guard maxGradNorm > 0 else { throw TrainingError(.invalidArgument, "--max-grad-norm must be positive") }
        if let k = kTrain, k < 1 { throw TrainingError(.invalidArgument, "--k-train must be at least 1") }
        if let d = tokenDimension, d < 1 { throw TrainingError(.invalidArgument, "--dim must be at least 1") }
        if loss != "aligner" && (alignK != nil || alphaQuery != nil || alphaDocument != nil || epsilon != nil || gateIterations != nil) {
            throw TrainingError(.invalidArgument, "--align-k, --alpha-q, --alpha-d, --epsilon and --gate-iterations apply to --loss aligner")
        }
        if let k = alignK, k < 1 { throw TrainingError(.invalidArgument, "--align-k must be at least 1") }
        for (name, alpha) in [("--alpha-q", alphaQuery), ("--alpha-d", alphaDocument)] {
            if let alpha, !(alpha > 0 && alpha <= 1) { throw TrainingError(.invalidArgument, "\(name) must be in (0, 1]") }
        }
        if let e = epsilon, !(e > 0 && e.isFinite) { throw TrainingError(.invalidArgument, "--epsilon must be positive") }
        if let n = gateIterations, n < 0 { throw TrainingError(.invalidArgument, "--gate-iterations must be ≥ 0 (0: the exact gate)") }
        if let h = headInit {
            guard Self.headInits.contains(h) else {
                throw TrainingError(.invalidArgument, "unknown --head-init \(h) (\(Self.headInits.joined(separator: " or ")))")
            }
            guard isMultiVector else { throw TrainingError(.invalidArgument, "--head-init applies to a new token head (colbert, xtr, aligner)") }
        }
        if let h = salienceInit {
            guard Self.salienceInits.contains(h) else {
                throw TrainingError(.invalidArgument, "unknown --salience-init \(h) (\(Self.salienceInits.joined(separator: " or ")))")
            }
            guard loss == "aligner" else { throw TrainingError(.invalidArgument, "--salience-init applies to --loss aligner") }
        }
        if let n = freezeLayers {
            guard n >= 1 else { throw TrainingError(.invalidArgument, "--freeze-layers must be at least 1") }
            guard freezeEncoder != true else { throw TrainingError(.invalidArgument, "--freeze-layers and --freeze-encoder: choose one (--freeze-encoder freezes every layer)") }
        }
        if freezeTokenHead == true && !isMultiVector {
            throw TrainingError(.invalidArgument, "--freeze-token-head applies to token losses (colbert, xtr, aligner)")
        }
        if isMultiVector && !matryoshkaDimensions.isEmpty {
            throw TrainingError(.invalidArgument, "--mrl-dims applies to pooled losses (mnrl, gecko), not to \(loss)")
        }
    }
}
