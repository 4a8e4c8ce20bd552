import TesseraKernels
import TesseraModels

/// How one batch's loss and gradients are computed.
public struct GradientSettings: Sendable, Equatable {
    /// The loss of pooled embeddings (a single width is the plain loss).
    public var loss: MatryoshkaLoss
    /// A multi-vector loss: when set, the batch is scored token by token (through the token head) and `loss` and
    /// `pooling` are not used.
    public var tokenLoss: MultiVectorLoss?
    /// Mean or CLS pooling of the token states.
    public var pooling: PoolingMode
    /// GradCache: encode at most this many sequences at a time, first without keeping activations to get every
    /// embedding, then again one mini-batch at a time to backpropagate the loss's gradient (nil: the whole batch
    /// at once). Same loss and gradients either way.
    public var miniBatchSize: Int?
    /// Dropout probability of the encoder (0: off).
    public var dropout: Float
    /// Activation checkpointing per layer: keep only each layer's input and run the layer's forward again in the
    /// backward pass (bit-identical gradients, less memory, one more forward pass of each layer).
    public var recompute: Bool
    /// Worker threads.
    public var threads: Int
    /// Train the heads only: the encoder runs forward (its activations are not kept for a backward pass) and its
    /// parameters get no gradient. The heads' gradients are those of an unfrozen step.
    public var freezeEncoder: Bool = false
    /// Layers kept as they are, from the bottom: the backward pass stops above layer `frozenLayers` and neither they nor
    /// the embeddings get a gradient (0: every layer trained). The parameters above get the gradient of a full step.
    public var frozenLayers: Int = 0

    /// Makes settings.
    public init(loss: MatryoshkaLoss, pooling: PoolingMode = .mean, miniBatchSize: Int? = nil, dropout: Float = 0,
                recompute: Bool = false, threads: Int = Parallel.availableCores) {
        self.loss = loss
        self.pooling = pooling
        self.miniBatchSize = miniBatchSize
        self.dropout = dropout
        self.recompute = recompute
        self.threads = threads
    }

    /// Settings of a multi-vector loss.
    public init(tokenLoss: MultiVectorLoss, miniBatchSize: Int? = nil, dropout: Float = 0, recompute: Bool = false,
                threads: Int = Parallel.availableCores) {
        self.init(loss: MatryoshkaLoss(loss: .mnrl, dimensions: []), miniBatchSize: miniBatchSize, dropout: dropout,
                  recompute: recompute, threads: threads)
        self.tokenLoss = tokenLoss
    }
}

/// What one gradient computation measured.
public struct GradientReport: Sendable {
    /// The batch's loss.
    public var loss: Double
    /// Tokens encoded (counting a recomputed mini-batch twice).
    public var tokens: Int
    /// Largest activation memory held at once, in bytes.
    public var peakActivationBytes: Int
}

extension TrainableBert {
    /// Adds the gradient of `settings.loss` on `batch` to every parameter (call ``zeroGradients()`` first) and returns
    /// the loss. `seed` fixes the dropout masks (the same for both passes of a cached computation).
    public func accumulateGradients(_ batch: ContrastiveBatch, settings: GradientSettings, seed: UInt64) throws -> GradientReport {
        if let tokenLoss = settings.tokenLoss {
            return try accumulateTokenGradients(batch, loss: tokenLoss, settings: settings, seed: seed)
        }
        let rows = batch.rows
        let h = config.hiddenSize
        var embeddings = [Float](repeating: 0, count: rows.count * h)
        var gradient: [Float] = []
        return try gradCache(rows, settings: settings, seed: seed, embed: { range, tape in
            pool(tape, into: &embeddings, firstRow: range.lowerBound, pooling: settings.pooling)
        }, loss: {
            // The heads run once on the whole batch's pooled embeddings (so GradCache needs nothing more of them).
            // stages[i] is head i's input, stages[i + 1] its output.
            var stages = [embeddings]
            for head in heads { stages.append(head.forward(stages[stages.count - 1], rows: rows.count, threads: settings.threads)) }
            let (loss, finalGradient) = try settings.loss.evaluate(stages[stages.count - 1], width: embeddingWidth,
                                                                   queries: batch.queries.count, negatives: batch.negativesPerQuery)
            guard loss.isFinite else { throw TrainingError(.diverged, "the loss is \(loss) (not finite)") }
            gradient = finalGradient
            for (i, head) in heads.enumerated().reversed() {
                gradient = head.backward(gradient, input: stages[i], output: stages[i + 1], rows: rows.count, threads: settings.threads)
            }
            return loss
        }, backpropagate: { range, tape in
            if settings.freezeEncoder { return }
            let dStates = Matrix(shape: [tape.total, h], pool: pool)
            dStates.zero()
            for (s, input) in tape.inputs.enumerated() {
                let row = range.lowerBound + s
                let n = input.ids.count
                switch settings.pooling {
                case .mean:
                    let scale = 1 / Float(n)
                    for t in 0..<n {
                        let out = dStates.pointer + (tape.starts[s] + t) * h
                        for c in 0..<h { out[c] = gradient[row * h + c] * scale }
                    }
                case .cls:
                    let out = dStates.pointer + tape.starts[s] * h
                    for c in 0..<h { out[c] = gradient[row * h + c] }
                case .max:
                    throw TrainingError(.invalidArgument, "max pooling cannot be trained (use mean or cls)")
                }
            }
            backward(tape, outputGradient: dStates.pointer, threads: settings.threads, frozenLayers: settings.frozenLayers)
        })
    }

    /// GradCache's two passes over `rows` in mini-batches of `settings.miniBatchSize` (all at once without one): the
    /// first encodes each mini-batch and hands its tape to `embed`; `loss` then computes the batch's loss from what `embed`
    /// kept (and the gradient `backpropagate` needs); the second pass hands `backpropagate` each mini-batch's tape again —
    /// the kept one, or, when cached, a fresh forward pass with the same dropout masks — to run the encoder's backward.
    func gradCache(_ rows: [EncoderInput], settings: GradientSettings, seed: UInt64,
                   embed: (Range<Int>, EncoderTape) throws -> Void, loss: () throws -> Double,
                   backpropagate: (Range<Int>, EncoderTape) throws -> Void) throws -> GradientReport {
        let chunk = max(1, settings.miniBatchSize ?? rows.count)
        let chunks = stride(from: 0, to: rows.count, by: chunk).map { $0..<min($0 + chunk, rows.count) }
        // A frozen encoder needs no second pass: each tape keeps its output (and, as a recomputing one, little else).
        let cached = settings.miniBatchSize != nil && !settings.freezeEncoder
        let light = cached || settings.recompute || settings.freezeEncoder
        var tapes: [EncoderTape] = []
        var tokens = 0, peak = 0, held = 0
        for range in chunks {
            // A cached loss's first pass only needs the embeddings: its tape keeps the least it can.
            let tape = forward(Array(rows[range]), examples: Array(range), dropout: settings.dropout, seed: seed,
                               recompute: light, threads: settings.threads)
            try embed(range, tape)
            tokens += tape.total
            held = cached ? tape.activationBytes : held + tape.activationBytes
            peak = max(peak, held)
            if !cached { tapes.append(tape) }
        }
        let value = try loss()
        guard value.isFinite else { throw TrainingError(.diverged, "the loss is \(value) (not finite)") }
        for (index, range) in chunks.enumerated() {
            let tape: EncoderTape
            if !cached {
                tape = tapes[index]
            } else {
                tape = forward(Array(rows[range]), examples: Array(range), dropout: settings.dropout, seed: seed,
                               recompute: settings.recompute, threads: settings.threads)
                tokens += tape.total
                peak = max(peak, tape.activationBytes)
            }
            try backpropagate(range, tape)
        }
        return GradientReport(loss: value, tokens: tokens, peakActivationBytes: peak)
    }

    /// Pools each sequence of the tape into `embeddings` from row `firstRow`.
    private func pool(_ tape: EncoderTape, into embeddings: inout [Float], firstRow: Int, pooling: PoolingMode) {
        let h = config.hiddenSize
        for (s, input) in tape.inputs.enumerated() {
            let states = tape.output.pointer + tape.starts[s] * h
            embeddings.withUnsafeMutableBufferPointer { out in
                Pooling.pool(states, rows: input.ids.count, width: h, mode: pooling, into: out.baseAddress! + (firstRow + s) * h)
            }
        }
    }
}
