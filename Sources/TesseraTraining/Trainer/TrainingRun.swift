import Foundation
import TesseraIO
import TesseraKernels
import TesseraModels

/// Where a run is, for a progress display.
public struct TrainingProgress: Sendable {
    /// Steps done.
    public var step: Int
    /// Steps in the run.
    public var totalSteps: Int
    /// The last step's loss.
    public var loss: Double
    /// Training examples per second since this process started training.
    public var examplesPerSecond: Double
    /// Tokens encoded per second (a recomputed GradCache mini-batch counts twice).
    public var tokensPerSecond: Double
    /// Estimated seconds left.
    public var secondsLeft: Double
}

/// What a finished run did.
public struct TrainingSummary: Sendable {
    /// Steps in the run (including any done before a resume).
    public var steps: Int
    /// Steps this process ran.
    public var stepsRun: Int
    /// Examples per step.
    public var batchSize: Int
    /// Loss of every step this process ran.
    public var losses: [Double]
    /// Seconds this process trained (checkpoint writes included, evaluations not).
    public var seconds: Double
    /// Examples per second.
    public var examplesPerSecond: Double
    /// Tokens per second.
    public var tokensPerSecond: Double
    /// Largest activation memory of one step, bytes.
    public var peakActivationBytes: Int
    /// Evaluation score per checkpoint step (when an evaluation was given).
    public var evaluations: [(step: Int, score: Double)]
    /// The step whose weights the output folder holds.
    public var keptStep: Int
    /// The output folder.
    public var output: String
}

/// A training run: a model folder, a training file, a configuration and an output folder. The output folder
/// ends up a complete sentence-transformers model folder; checkpoints (`checkpoint-<step>/`, each itself a model
/// folder plus the optimiser state) are written into it atomically.
public final class TrainingRun {
    /// The configuration.
    public let configuration: TrainingConfiguration
    let modelFolder: String
    let output: String
    let threads: Int
    let recompute: Bool
    let model: EmbeddingModel
    let trainable: TrainableBert
    let examples: [TrainingExample]
    let tokenized: [(query: EncoderInput, positive: EncoderInput, negatives: [EncoderInput])]
    let negatives: Int
    let dropout: Float
    /// The pooled loss (nil for a multi-vector loss).
    let loss: MatryoshkaLoss?
    /// The multi-vector loss (nil for a pooled loss).
    let tokenLoss: MultiVectorLoss?
    /// Files the output folder and checkpoints get besides the source's (a new token head's module layout).
    let layout: CheckpointStore.Layout
    /// Float tensors of the source checkpoint that training does not touch (BERT's pooler), written back unchanged so
    /// that the output folder loads in transformers without freshly initialised weights.
    let untouched: [(name: String, tensor: FloatTensor)]
    /// Steps per epoch.
    public let stepsPerEpoch: Int
    /// Steps of the whole run.
    public let totalSteps: Int

    /// Prepares a run: loads and checks the model and the data, tokenizes everything. `threads` and `recompute`
    /// (activation checkpointing per layer, ``GradientSettings/recompute``) change speed and memory, not results.
    public init(model modelFolder: String, data: String, output: String, configuration: TrainingConfiguration,
                threads: Int = Parallel.availableCores, recompute: Bool = false) throws {
        try configuration.validate()
        var configuration = configuration
        let model = try EmbeddingModel(folder: modelFolder)
        let config = model.encoder.config
        let file = try SafeTensorsFile(path: modelFolder + "/model.safetensors")
        let weights = try BertWeights(file: file, config: config)
        let examples = try TrainingData.read(path: data)
        if configuration.loss != "aligner" && model.salienceHeads != nil {
            throw TrainingError(.invalidModel, "\(modelFolder) has AligneR salience heads (\(SalienceHeads.defaultPath)); train it with --loss aligner")
        }
        if configuration.isMultiVector {
            guard !model.markers.isActive else {
                throw TrainingError(.invalidModel, "\(modelFolder): ColBERT marker tokens and query expansion are not supported yet (config_sentence_transformers.json)")
            }
            let width = configuration.tokenDimension ?? TrainingConfiguration.defaultTokenDimension
            // AligneR's salience heads: the model's, or new ones; their gate settings are recorded in the configuration.
            var salience: TrainableSalience? = nil
            if configuration.loss == "aligner" {
                let s = configuration.salienceSettings(trained: model.salienceHeads)
                (configuration.alphaQuery, configuration.alphaDocument, configuration.epsilon, configuration.gateIterations) =
                    (s.alphaQuery, s.alphaDocument, s.epsilon, s.iterations)
                configuration.alignK = configuration.alignK ?? 1
                if let trained = model.salienceHeads {
                    if configuration.salienceInit != nil {
                        throw TrainingError(.invalidArgument, "\(modelFolder) has salience heads already; --salience-init applies to new ones")
                    }
                    salience = TrainableSalience(trained)
                } else if configuration.salienceInit == "idf" {
                    salience = try Self.idfSalience(model: model, examples: examples, configuration: configuration, threads: threads)
                } else {
                    salience = TrainableSalience(inputs: config.hiddenSize, seed: configuration.seed ^ 0x7361_6C69_656E_6365)
                }
            }
            var files: CheckpointStore.Layout
            if model.tokenHeads.isEmpty {
                // A model without a token head gets PyLate's: a bias-free linear projection in module folder 1_Dense.
                let head: TrainableDense
                if configuration.headInit == "pca" {
                    guard width <= config.hiddenSize else {
                        throw TrainingError(.invalidArgument, "--head-init pca gives at most \(config.hiddenSize) dimensions (the encoder's width); --dim \(width)")
                    }
                    let components = try Self.tokenComponents(model: model, examples: examples, configuration: configuration, threads: threads)
                    head = TrainableDense(path: CheckpointStore.Layout.tokenHeadPath, inputs: config.hiddenSize, outputs: width,
                                          weight: components.projection(width))
                } else {
                    head = TrainableDense(path: CheckpointStore.Layout.tokenHeadPath, inputs: config.hiddenSize, outputs: width,
                                          seed: configuration.seed ^ 0x746F_6B65_6E68_6561)
                }
                trainable = try TrainableBert(weights: weights, newTokenHead: head, salience: salience)
                files = try CheckpointStore.Layout.multiVector(source: modelFolder, head: head, configuration: configuration)
            } else {
                if configuration.headInit != nil {
                    throw TrainingError(.invalidArgument, "\(modelFolder) has a token head already; --head-init applies to a new one")
                }
                if let asked = configuration.tokenDimension, asked != model.tokenDimension {
                    throw TrainingError(.invalidModel, "\(modelFolder) has a token head of \(model.tokenDimension) dimensions; --dim \(asked) differs")
                }
                trainable = try TrainableBert(weights: weights, tokenHeads: model.tokenHeads, salience: salience)
                files = CheckpointStore.Layout()
            }
            if let salience { files.files.append((salience.path + "/config.json", Array((salience.configJSON(configuration) + "\n").utf8))) }
            layout = files
        } else {
            guard model.pipeline.pooling != .max else { throw TrainingError(.invalidModel, "\(modelFolder): max pooling cannot be trained") }
            trainable = try TrainableBert(weights: weights, heads: model.heads)
            layout = CheckpointStore.Layout()
        }
        if let n = configuration.freezeLayers, n >= config.numLayers {
            throw TrainingError(.invalidArgument, "--freeze-layers \(n): \(modelFolder) has \(config.numLayers) layers (to freeze them all, use --freeze-encoder)")
        }
        if configuration.freezeEncoder == true && trainable.modules.isEmpty {
            throw TrainingError(.invalidArgument, "--freeze-encoder: \(modelFolder) has no head to train (a pooled model needs a Dense module)")
        }
        let trained = Set(BertTensorNames.all(config).map(\.name))
        var untouched: [(name: String, tensor: FloatTensor)] = []
        for name in file.tensors.keys.sorted() {
            let canonical = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            guard !trained.contains(canonical), !trained.contains(canonical.replacingOccurrences(of: ".gamma", with: ".weight")
                .replacingOccurrences(of: ".beta", with: ".bias")),
                  let dtype = file.tensors[name]?.dtype, [.F32, .F16, .BF16].contains(dtype) else { continue }
            untouched.append((canonical, try file.floats(name)))
        }
        self.untouched = untouched
        self.model = model
        self.modelFolder = modelFolder
        self.output = output
        self.threads = max(1, threads)
        self.recompute = recompute
        self.examples = examples
        let fewest = examples.map(\.negatives.count).min() ?? 0
        let negatives = configuration.negatives ?? fewest
        self.negatives = negatives
        if negatives > fewest, let short = examples.first(where: { $0.negatives.count < negatives }) {
            throw TrainingError(.invalidData, "\(data):\(short.line): \(short.negatives.count) negatives, but --negatives \(negatives) asks for more")
        }
        guard examples.count >= 2 else { throw TrainingError(.invalidData, "\(data): at least 2 examples are needed (in-batch negatives)") }
        let format = configuration.format
        let queryLimit = min(configuration.queryMaxLength, config.maxPositions), documentLimit = min(configuration.maxLength, config.maxPositions)
        var tokenized: [(query: EncoderInput, positive: EncoderInput, negatives: [EncoderInput])] = []
        tokenized.reserveCapacity(examples.count)
        for example in examples {
            do {
                let q = try model.tokenize(format.query(example.query, task: example.task), maxLength: queryLimit)
                let p = try model.tokenize(format.document(example.positive), maxLength: documentLimit)
                let n = try example.negatives.prefix(negatives).map { try model.tokenize(format.document($0), maxLength: documentLimit) }
                tokenized.append((q, p, n))
            } catch {
                throw TrainingError(.invalidData, "\(data):\(example.line): \(error)")
            }
        }
        self.tokenized = tokenized
        dropout = try configuration.dropout ?? Self.hiddenDropout(modelFolder + "/config.json")
        tokenLoss = try configuration.multiVectorLoss()
        loss = tokenLoss == nil ? try configuration.matryoshkaLoss(width: trainable.embeddingWidth) : nil
        configuration.modelFingerprint = try ModelFingerprint.compute(folder: modelFolder)
        configuration.dataChecksum = try Self.checksum(data)
        self.configuration = configuration
        stepsPerEpoch = max(1, examples.count / configuration.batchSize + (examples.count % configuration.batchSize >= 2 ? 1 : 0))
        totalSteps = configuration.steps ?? configuration.epochs * stepsPerEpoch
        if updatedParameters.isEmpty {
            throw TrainingError(.invalidArgument, "--freeze-encoder and --freeze-token-head leave nothing to train (only an aligner model has salience heads besides)")
        }
    }

    /// Texts whose token states start a `--head-init pca` head: the positives, then the queries, of the first examples,
    /// up to this many tokens.
    static let componentTokenBudget = 200_000

    /// The principal components of the encoder's L2-normalised token states over the training texts (documents at the
    /// document budget, queries at the query budget), in file order up to ``componentTokenBudget`` tokens.
    static func tokenComponents(model: EmbeddingModel, examples: [TrainingExample], configuration: TrainingConfiguration,
                                threads: Int) throws -> PrincipalComponents {
        let limits = (query: min(configuration.queryMaxLength, model.encoder.config.maxPositions),
                      document: min(configuration.maxLength, model.encoder.config.maxPositions))
        var inputs: [EncoderInput] = []
        var tokens = 0
        var seen = Set<String>()
        let texts = examples.map { (configuration.format.document($0.positive), limits.document) }
            + examples.map { (configuration.format.query($0.query, task: $0.task), limits.query) }
        for (text, limit) in texts where tokens < componentTokenBudget && seen.insert(text).inserted {
            let input = try model.tokenize(text, maxLength: limit)
            inputs.append(input)
            tokens += input.ids.count
        }
        let vectors = try model.embedTokens(inputs: inputs, options: EmbedOptions(batchSize: 32, threads: threads))
        return try vectors.vectors.withUnsafeBufferPointer { try PrincipalComponents(rows: $0, width: vectors.dimension) }
    }

    /// `hidden_dropout_prob` of a `config.json` (0.1, BERT's default, when absent).
    static func hiddenDropout(_ path: String) throws -> Float {
        let json = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        return Float(json.objectValue?["hidden_dropout_prob"]?.doubleValue ?? 0.1)
    }

    static func checksum(_ path: String) throws -> String {
        let file = try MappedFile(path: path)
        var hasher = SHA256()
        hasher.update(file.bytes)
        return hasher.finalizeHex()
    }

    /// The examples of step `step` (0-based over the whole run): epoch `step / stepsPerEpoch`, in file order or in
    /// that epoch's seeded permutation.
    public func batchIndices(step: Int) -> [Int] {
        let epoch = step / stepsPerEpoch, within = step % stepsPerEpoch
        var order = Array(0..<examples.count)
        if configuration.shuffle {
            var rng = SplitMix64(seed: configuration.seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        let b = configuration.batchSize
        return Array(order[(within * b)..<min((within + 1) * b, order.count)])
    }

    /// The batch of `indices`.
    func batch(_ indices: [Int]) throws -> ContrastiveBatch {
        try ContrastiveBatch(queries: indices.map { tokenized[$0].query }, positives: indices.map { tokenized[$0].positive },
                             negatives: negatives == 0 ? [] : indices.map { tokenized[$0].negatives })
    }

    /// The gradient settings of every step.
    var gradientSettings: GradientSettings {
        var settings: GradientSettings
        if let tokenLoss {
            settings = GradientSettings(tokenLoss: tokenLoss, miniBatchSize: configuration.miniBatchSize, dropout: dropout,
                                        recompute: recompute, threads: threads)
        } else {
            settings = GradientSettings(loss: loss ?? MatryoshkaLoss(loss: .mnrl, dimensions: []), pooling: model.pipeline.pooling,
                                        miniBatchSize: configuration.miniBatchSize, dropout: dropout, recompute: recompute, threads: threads)
        }
        settings.freezeEncoder = configuration.freezeEncoder ?? false
        settings.frozenLayers = configuration.freezeLayers ?? 0
        return settings
    }

    /// What the optimiser updates and clipping measures: every parameter but the frozen ones (the encoder's with
    /// ``TrainingConfiguration/freezeEncoder``, the embeddings' and the lowest layers' with
    /// ``TrainingConfiguration/freezeLayers``, the token heads' with ``TrainingConfiguration/freezeTokenHead``), in
    /// ``TrainableBert/parameters`` order.
    var updatedParameters: [Parameter] {
        var frozen = Set<String>()
        if configuration.freezeEncoder == true {
            let heads = Set(trainable.modules.flatMap(\.parameters).map(\.name))
            frozen.formUnion(trainable.parameters.map(\.name).filter { !heads.contains($0) })
        }
        if let n = configuration.freezeLayers {
            let layers = (0..<n).map { BertTensorNames.Layer($0).prefix }
            frozen.formUnion([BertTensorNames.wordEmbeddings, BertTensorNames.positionEmbeddings, BertTensorNames.typeEmbeddings,
                              BertTensorNames.embeddingNormWeight, BertTensorNames.embeddingNormBias])
            frozen.formUnion(BertTensorNames.all(trainable.config).map(\.name).filter { name in layers.contains { name.hasPrefix($0) } })
        }
        if configuration.freezeTokenHead == true { frozen.formUnion(trainable.tokenHeads.flatMap(\.parameters).map(\.name)) }
        return trainable.parameters.filter { !frozen.contains($0.name) }
    }

    /// Runs (or, with `resume`, continues) the training. `evaluate` scores a checkpoint's model folder (higher is
    /// better); the output folder then keeps the best checkpoint's weights.
    public func run(resume: Bool = false, evaluate: ((String) throws -> Double)? = nil,
                    progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingSummary {
        let store = CheckpointStore(folder: output, layout: layout)
        try store.prepare()
        let optimizer = AdamW(parameters: updatedParameters,
                              settings: AdamWSettings(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay))
        var start = 0
        var evaluations: [(step: Int, score: Double)] = []
        if resume {
            guard let latest = try store.latest() else {
                throw TrainingError(.checkpoint, "--resume: no checkpoint in \(output)")
            }
            // The configuration first: another one may not even have the same tensors to load.
            let state = try store.state(of: latest)
            guard state.configuration == configuration else {
                throw TrainingError(.configurationChanged, "--resume: \(latest) was trained with another configuration (\(Self.difference(state.configuration, configuration))); use a new --out")
            }
            try store.load(latest, state: state, into: trainable, optimizer: optimizer)
            start = state.step
            evaluations = state.evaluations
        } else if try store.latest() != nil {
            throw TrainingError(.checkpoint, "\(output) already holds checkpoints: pass --resume to continue, or use a new --out")
        }
        let schedule = LinearSchedule(peak: configuration.learningRate, warmup: configuration.warmupSteps, total: totalSteps)
        let every = configuration.checkpointEvery ?? stepsPerEpoch
        let settings = gradientSettings
        let began = Date()
        var losses: [Double] = []
        var tokens = 0, examplesSeen = 0, peak = 0
        var evaluating = 0.0  // seconds spent in `evaluate`, left out of the rates
        for step in start..<totalSteps {
            let indices = batchIndices(step: step)
            trainable.zeroGradients()
            let report: GradientReport
            do {
                report = try trainable.accumulateGradients(try batch(indices), settings: settings,
                                                           seed: configuration.seed ^ (UInt64(step + 1) &* 0xD1B5_4A32_D192_ED03))
            } catch let error as TrainingError where error.code == .diverged {
                throw TrainingError(.diverged, "step \(step + 1): \(error.message); the last good checkpoint is kept in \(output)")
            }
            let norm = GradientClipping.clip(optimizer.parameters, maxNorm: configuration.maxGradNorm)
            guard norm.isFinite else {
                throw TrainingError(.diverged, "step \(step + 1): the gradient norm is \(norm) (not finite); the last good checkpoint is kept in \(output)")
            }
            optimizer.update(learningRate: schedule.learningRate(after: step))
            losses.append(report.loss)
            tokens += report.tokens
            examplesSeen += indices.count
            peak = max(peak, report.peakActivationBytes)
            let elapsed = max(Date().timeIntervalSince(began) - evaluating, 1e-9)
            let done = step + 1
            progress(TrainingProgress(step: done, totalSteps: totalSteps, loss: report.loss,
                                      examplesPerSecond: Double(examplesSeen) / elapsed, tokensPerSecond: Double(tokens) / elapsed,
                                      secondsLeft: elapsed / Double(done - start) * Double(totalSteps - done)))
            if done % every == 0 || done == totalSteps {
                let folder = try store.write(step: done, model: trainable, untouched: untouched, optimizer: optimizer, source: modelFolder,
                                             state: CheckpointState(configuration: configuration, step: done, threads: threads,
                                                                    evaluations: evaluations))
                if let evaluate {
                    let started = Date()
                    evaluations.append((done, try evaluate(folder)))
                    evaluating += Date().timeIntervalSince(started)
                    try store.recordEvaluations(step: done, configuration: configuration, threads: threads, evaluations: evaluations)
                }
            }
        }
        let kept = evaluations.max { $0.score < $1.score || ($0.score == $1.score && $0.step > $1.step) }?.step ?? totalSteps
        try store.publish(step: kept, source: modelFolder, modules: trainable.modules.map(\.path), card: modelCard(kept: kept, evaluations: evaluations))
        let seconds = Date().timeIntervalSince(began) - evaluating
        return TrainingSummary(steps: totalSteps, stepsRun: totalSteps - start, batchSize: configuration.batchSize, losses: losses,
                               seconds: seconds, examplesPerSecond: Double(examplesSeen) / max(seconds, 1e-9),
                               tokensPerSecond: Double(tokens) / max(seconds, 1e-9), peakActivationBytes: peak,
                               evaluations: evaluations, keptStep: kept, output: output)
    }

    static func difference(_ a: TrainingConfiguration, _ b: TrainingConfiguration) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let da = try? JSONSerialization.jsonObject(with: encoder.encode(a)) as? [String: Any],
              let db = try? JSONSerialization.jsonObject(with: encoder.encode(b)) as? [String: Any] else { return "unreadable" }
        let keys = Set(da.keys).union(db.keys).sorted().filter { "\(da[$0] ?? "none")" != "\(db[$0] ?? "none")" }
        return keys.map { "\($0): \(da[$0] ?? "none") → \(db[$0] ?? "none")" }.joined(separator: ", ")
    }

    func modelCard(kept: Int, evaluations: [(step: Int, score: Double)]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = (try? encoder.encode(configuration)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        var card = """
        ---
        library_name: sentence-transformers
        tags: [sentence-transformers, feature-extraction, sentence-similarity, tessera]
        ---
        # Fine-tuned with Tessera

        Base model: `\(modelFolder)`. Trained by `tessera train` (Swift) for \(totalSteps) steps of \(configuration.batchSize) \
        examples (\(examples.count) examples, \(negatives) hard negatives each), loss `\(configuration.loss)`; this folder \
        holds the weights of step \(kept). It loads in sentence-transformers as it is.

        """
        if !evaluations.isEmpty {
            card += "\n| step | evaluation |\n|---|---|\n" + evaluations.map { "| \($0.step) | \(String(format: "%.4f", $0.score)) |" }.joined(separator: "\n") + "\n"
        }
        card += "\n## Training configuration\n\n```json\n\(json)\n```\n"
        return card
    }
}
