import ArgumentParser
import Foundation
import TesseraEval
import TesseraIO
import TesseraKernels
import TesseraModels
import TesseraTraining

/// `tessera train`: fine-tune a sentence-embedding model with a contrastive loss (MNRL or Gecko's, optionally
/// Matryoshka and GradCache), writing a sentence-transformers model folder with atomic checkpoints.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune an embedding model on query/positive(/negatives) JSON lines (MNRL, Gecko, ColBERT, XTR or AligneR loss).",
        discussion: """
        Training lines: {"query": ..., "positive": ..., "negatives": [...], "task": ...}; negatives and task are optional \
        and a document may be {"title": ..., "text": ...}. The output folder is a sentence-transformers model folder (for \
        colbert and xtr a PyLate one: the encoder plus a token head in 1_Dense); checkpoints go to <out>/checkpoint-<step>/ \
        and --resume continues from the latest one bit-exactly.
        """
    )

    @Option(name: .long, help: "Model folder or cached model name.")
    var model: String
    @Option(name: .long, help: "Training JSON lines.")
    var data: String
    @Option(name: .long, help: "Output folder.")
    var out: String
    @Option(name: .long, help: "mnrl (in-batch softmax, cosine × scale), gecko (PAPERS.md §1), colbert (MaxSim over token vectors), xtr (PAPERS.md §2) or aligner (PAPERS.md §3: sparse alignment with learned saliences).")
    var loss: LossArgument = .mnrl
    @Option(name: .long, help: "Matryoshka widths, comma-separated (e.g. 384,256,128).")
    var mrlDims: String?
    @Option(name: .long, help: "Matryoshka weights, comma-separated (default 1 each).")
    var mrlWeights: String?
    @Option(name: .long, help: "Softmax temperature τ of gecko, colbert and xtr (defaults 0.05, 1 and 0.05).")
    var temperature: Double?
    @Option(name: .long, help: "colbert / xtr: width of the token head a model without one gets (default 128).")
    var dim: Int?
    @Option(name: .long, help: "colbert / xtr: how a new token head starts: random (PyLate's, the default) or pca (the principal directions of the encoder's token states on the training texts).")
    var headInit: HeadInitArgument?
    @Option(name: .long, help: "aligner: how new salience heads start: random (every token equally salient, the default) or idf (fitted by ridge regression to each token's inverse document frequency over the training documents).")
    var salienceInit: SalienceInitArgument?
    @Option(name: .long, help: "xtr: document tokens of the batch each query token retrieves (k_train, default 128).")
    var kTrain: Int?
    @Option(name: .long, help: "aligner: document tokens each query token aligns to in each document (top-k, default 1).")
    var alignK: Int?
    @Option(name: .customLong("alpha-q"), help: "aligner: fraction of a query's tokens the salience gate keeps (default 0.5).")
    var alphaQuery: Double?
    @Option(name: .customLong("alpha-d"), help: "aligner: fraction of a document's tokens the salience gate keeps (default 0.4).")
    var alphaDocument: Double?
    @Option(name: .long, help: "aligner: entropy weight ε of the salience gate (default 0.002).")
    var epsilon: Double?
    @Option(name: .long, help: "aligner: iterations of the salience gate's solver (default 20, as the paper); 0 solves the gate exactly (the iterations' fixed point; needed when the salience scores spread far more than epsilon).")
    var gateIterations: Int?
    @Option(name: .long, help: "MNRL's cosine scale.")
    var scale: Double = 20
    @Option(name: .long, help: "Examples per batch.")
    var batchSize: Int = 32
    @Option(name: .long, help: "GradCache: sequences encoded at once (same loss and gradients, less memory).")
    var miniBatchSize: Int?
    @Option(name: .long, help: "Peak learning rate.")
    var lr: Double = 2e-5
    @Option(name: .long, help: "Epochs.")
    var epochs: Int = 1
    @Option(name: .long, help: "Total steps (overrides --epochs).")
    var steps: Int?
    @Option(name: .long, help: "Warmup steps (linear from 0), then linear decay to 0.")
    var warmup: Int = 0
    @Option(name: .long, help: "AdamW weight decay (not on biases and LayerNorm).")
    var weightDecay: Double = 0.01
    @Option(name: .long, help: "Clip gradients to this global norm.")
    var maxGradNorm: Double = 1.0
    @Option(name: .long, help: "Seed of shuffling and dropout.")
    var seed: UInt64 = 42
    @Flag(name: .long, help: "Batch i is lines i·B ..< (i+1)·B of the data file, in order.")
    var noShuffle = false
    @Option(name: .long, help: "Dropout probability (default: the model's hidden_dropout_prob; 0 turns it off).")
    var dropout: Float?
    @Option(name: .long, help: "Document token budget.")
    var maxLength: Int = 256
    @Option(name: .long, help: "Query token budget.")
    var queryMaxLength: Int = 64
    @Option(name: .long, help: "Hard negatives per query (default: the fewest any line has).")
    var negatives: Int?
    @Option(name: .long, help: "plain, or gecko (task: … | query: …, title: … | text: …).")
    var format: InputFormat = .plain
    @Option(name: .long, help: "Steps between checkpoints (default: once per epoch).")
    var checkpointEvery: Int?
    @Option(name: .long, help: "BEIR folder to score nDCG@10 on at every checkpoint (the output keeps the best): exact dense retrieval, or for colbert and xtr the WARP engine's xtr search.")
    var eval: String?
    @Option(name: .long, help: "Qrels split of --eval.")
    var evalSplit: String = "dev"
    @Flag(name: .long, help: "Continue from the latest checkpoint in --out (the configuration must be the same).")
    var resume = false
    @Option(name: .long, help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(name: .long, help: "Train the heads only (token head, AligneR's salience heads, Dense heads); the encoder's weights stay as they are and it runs forward only.")
    var freezeEncoder = false
    @Flag(name: .long, help: "colbert / xtr / aligner: keep the token head's weights as they are (with --freeze-encoder an aligner run trains its salience heads alone).")
    var freezeTokenHead = false
    @Option(name: .long, help: "Keep the embeddings and the lowest N transformer layers as they are and train the layers above (and the heads); the backward pass stops at layer N.")
    var freezeLayers: Int?
    @Flag(name: .long, help: "Activation checkpointing: keep each layer's input only and run the layer again in the backward pass (less memory, a little more time, same results).")
    var recompute = false
    @Flag(name: .long, help: "Print a JSON summary on stdout.")
    var json = false
    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if kTrain != nil && loss != .xtr { throw ValidationError("--k-train applies to --loss xtr") }
        if dim != nil && ![.colbert, .xtr, .aligner].contains(loss) { throw ValidationError("--dim applies to --loss colbert, xtr and aligner (use --mrl-dims for pooled losses)") }
        _ = try parseList(mrlDims, Int.init, "--mrl-dims")
        _ = try parseList(mrlWeights, Double.init, "--mrl-weights")
    }

    func parseList<T>(_ text: String?, _ parse: (String) -> T?, _ name: String) throws -> [T] {
        guard let text else { return [] }
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(parse)
        guard values.count == parts.count, !values.isEmpty else { throw ValidationError("\(name) must be a comma-separated list of numbers") }
        return values
    }

    var trainingConfiguration: TrainingConfiguration {
        get throws {
            var c = TrainingConfiguration(loss: loss.rawValue)
            c.scale = scale
            if let temperature { c.temperature = temperature }
            c.kTrain = kTrain
            c.tokenDimension = dim
            c.headInit = headInit?.rawValue
            c.salienceInit = salienceInit?.rawValue
            (c.alignK, c.alphaQuery, c.alphaDocument, c.epsilon, c.gateIterations) = (alignK, alphaQuery, alphaDocument, epsilon, gateIterations)
            c.matryoshkaDimensions = try parseList(mrlDims, Int.init, "--mrl-dims")
            c.matryoshkaWeights = try parseList(mrlWeights, Double.init, "--mrl-weights")
            c.batchSize = batchSize
            c.miniBatchSize = miniBatchSize
            c.learningRate = lr
            c.epochs = epochs
            c.steps = steps
            c.warmupSteps = warmup
            c.weightDecay = weightDecay
            c.maxGradNorm = maxGradNorm
            c.seed = seed
            c.shuffle = !noShuffle
            c.dropout = dropout
            c.maxLength = maxLength
            c.queryMaxLength = queryMaxLength
            c.negatives = negatives
            c.format = format
            c.checkpointEvery = checkpointEvery
            c.freezeEncoder = freezeEncoder ? true : nil
            c.freezeTokenHead = freezeTokenHead ? true : nil
            c.freezeLayers = freezeLayers
            return c
        }
    }

    func run() throws {
        let folder = try ModelStore.resolve(model)
        let run = try TrainingRun(model: folder, data: data, output: out, configuration: try trainingConfiguration, threads: threads,
                                  recompute: recompute)
        var evaluate: ((String) throws -> Double)? = nil
        if let eval {
            let dataset = try BEIRDataset.load(folder: eval, split: evalSplit)
            let dense = DenseEvaluation(dataset: dataset, threads: threads, maxLength: maxLength)
            let tokens = TokenEvaluation(dataset: dataset, corpus: eval + "/corpus.jsonl", threads: threads, maxLength: maxLength,
                                         queryMaxLength: queryMaxLength, scratch: out)
            let multiVector = run.configuration.isMultiVector
            evaluate = { checkpoint in
                let score = multiVector ? try tokens.evaluate(model: checkpoint).ndcg10 : try dense.evaluate(model: checkpoint)[0].ndcg10
                if !quiet { printError("\r\u{1B}[K\(URL(fileURLWithPath: checkpoint).lastPathComponent): nDCG@10 \(String(format: "%.4f", score)) on \(evalSplit)") }
                return score
            }
        }
        let progress = ProgressBar(label: "training", total: run.totalSteps, enabled: !quiet)
        let summary = try run.run(resume: resume, evaluate: evaluate) { p in
            progress.update(done: p.step, detail: String(format: "loss %.4f  %.1f examples/s  %.0f tokens/s  ETA %@", p.loss,
                                                         p.examplesPerSecond, p.tokensPerSecond, Self.duration(p.secondsLeft)))
        }
        progress.finish()
        if json {
            var entries: [(key: String, value: JSONValue)] = [
                ("output", .string(summary.output)), ("steps", .number(Double(summary.steps))),
                ("steps_run", .number(Double(summary.stepsRun))), ("batch_size", .number(Double(summary.batchSize))),
                ("first_loss", .number(summary.losses.first ?? .nan)), ("last_loss", .number(summary.losses.last ?? .nan)),
                ("seconds", .number(summary.seconds)), ("examples_per_second", .number(summary.examplesPerSecond)),
                ("tokens_per_second", .number(summary.tokensPerSecond)),
                ("peak_activation_bytes", .number(Double(summary.peakActivationBytes))),
                ("kept_step", .number(Double(summary.keptStep))), ("kernel_level", .string(KernelDispatch.current.active.name)),
            ]
            entries.append(("evaluations", .array(summary.evaluations.map {
                .object(JSONObject([("step", .number(Double($0.step))), ("ndcg@10", .number($0.score))]))
            })))
            var bytes = JSONWriter.encode(.object(JSONObject(entries)))
            bytes.append(0x0A)
            FileHandle.standardOutput.write(Data(bytes))
        } else if !quiet {
            printError("trained \(summary.stepsRun) steps in \(Self.duration(summary.seconds)) (\(String(format: "%.1f", summary.examplesPerSecond)) examples/s); model in \(summary.output) (step \(summary.keptStep))")
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
