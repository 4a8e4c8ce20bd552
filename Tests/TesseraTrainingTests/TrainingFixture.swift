import Foundation
import TesseraIO
import TesseraModels
import TesseraTestSupport
import TesseraTraining

/// One case of `Fixtures/cases.json` (made by `Scripts/make_training_fixture.py` with PyTorch and
/// sentence-transformers) or of `Fixtures/multivector_cases.json` (`Scripts/make_multivector_fixture.py`: token-level
/// losses through a new token head).
struct TrainingCase {
    let name: String
    let model: String
    let loss: MatryoshkaLoss
    /// The multi-vector loss of a multivector case.
    let tokenLoss: MultiVectorLoss?
    /// The new token head of a multivector case: (path, outputs, seed).
    let tokenHead: (path: String, outputs: Int, seed: UInt64)?
    /// The new salience heads of an aligner case: (path, seed).
    let salience: (path: String, seed: UInt64)?
    let miniBatchSize: Int?
    let batch: ContrastiveBatch
    let lossValue: Double
    let gradients: SafeTensorsFile
    let updates: SafeTensorsFile
    let rows: [String: [Int]]
    let gradientNorms: [String: Double]
    let updateNorms: [String: Double]
    let optimizer: AdamWSettings
    let warmup: Int
    let totalSteps: Int
    let steps: Int
    let maxGradNorm: Double
    let stepLosses: [Double]
    let stepLearningRates: [Double]

    static let directory = Bundle.module.resourcePath! + "/Fixtures"

    /// The tiny BERT with its weights rebuilt (once per process) from the seed the fixture script used.
    static func tinyModel() throws -> String { try tinyModelFolder.get() }
    private static let tinyModelFolder = Result { try TinyTrainingModel.make(fixture: directory + "/tiny_bert") }
    /// The tiny BERT with a `Dense` head (32 → 16, tanh), weights rebuilt as the fixture script made them.
    static func tinyDenseModel() throws -> String { try tinyDenseModelFolder.get() }
    private static let tinyDenseModelFolder = Result { try TinyTrainingModel.make(fixture: directory + "/tiny_bert", dense: true) }

    static func all(file: String = "cases.json") throws -> [TrainingCase] {
        let json = try JSONValue.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))))
        return try (json.objectValue?["cases"]?.arrayValue ?? []).map(TrainingCase.init)
    }

    static func named(_ name: String) throws -> TrainingCase {
        for file in ["cases.json", "multivector_cases.json"] {
            if let found = try all(file: file).first(where: { $0.name == name }) { return found }
        }
        throw FixtureError("no case \(name)")
    }

    /// The gradient settings of the case (`threads` workers, no dropout unless asked).
    func settings(miniBatchSize: Int? = nil, dropout: Float = 0, recompute: Bool = false, threads: Int = 2) -> GradientSettings {
        if let tokenLoss {
            return GradientSettings(tokenLoss: tokenLoss, miniBatchSize: miniBatchSize ?? self.miniBatchSize, dropout: dropout,
                                    recompute: recompute, threads: threads)
        }
        return GradientSettings(loss: loss, miniBatchSize: miniBatchSize ?? self.miniBatchSize, dropout: dropout, recompute: recompute,
                                threads: threads)
    }

    init(_ value: JSONValue) throws {
        guard let o = value.objectValue else { throw FixtureError("case is not an object") }
        func string(_ k: String) throws -> String {
            guard let s = o[k]?.stringValue else { throw FixtureError("missing \(k)") }
            return s
        }
        func number(_ v: JSONValue?) throws -> Double {
            guard let d = v?.doubleValue else { throw FixtureError("missing number") }
            return d
        }
        name = try string("name")
        model = try string("model")
        func contrastive(_ l: JSONObject) throws -> ContrastiveLoss {
            switch l["kind"]?.stringValue {
            case "mnrl": return .multipleNegativesRanking(scale: try number(l["scale"]))
            case "gecko": return .gecko(temperature: try number(l["temperature"]))
            default: throw FixtureError("unknown loss")
            }
        }
        guard let l = o["loss"]?.objectValue else { throw FixtureError("missing loss") }
        switch l["kind"]?.stringValue {
        case "colbert": tokenLoss = MultiVectorLoss(score: .colbert, temperature: try number(l["temperature"]))
        case "xtr":
            tokenLoss = MultiVectorLoss(score: .xtr(kTrain: l["k_train"]?.intValue ?? 0), temperature: try number(l["temperature"]))
        case "aligner":
            let gate = SalienceGate(epsilon: try number(l["epsilon"]), iterations: l["iterations"]?.intValue ?? 0)
            tokenLoss = MultiVectorLoss(score: .aligner(k: l["k_align"]?.intValue ?? 0, alphaQuery: try number(l["alpha_q"]),
                                                        alphaDocument: try number(l["alpha_d"]), gate: gate),
                                        temperature: try number(l["temperature"]))
        default: tokenLoss = nil
        }
        if let head = o["token_head"]?.objectValue {
            guard let path = head["path"]?.stringValue, let outputs = head["outputs"]?.intValue, let seed = head["seed"]?.intValue else {
                throw FixtureError("bad token_head")
            }
            tokenHead = (path, outputs, UInt64(seed))
        } else {
            tokenHead = nil
        }
        if let head = o["salience"]?.objectValue {
            guard let path = head["path"]?.stringValue, let seed = head["seed"]?.intValue else { throw FixtureError("bad salience") }
            salience = (path, UInt64(seed))
        } else {
            salience = nil
        }
        if tokenLoss != nil {
            loss = MatryoshkaLoss(loss: .mnrl, dimensions: [])
        } else if l["kind"]?.stringValue == "mrl" {
            guard let inner = l["inner"]?.objectValue else { throw FixtureError("missing inner loss") }
            loss = MatryoshkaLoss(loss: try contrastive(inner), dimensions: (l["dims"]?.arrayValue ?? []).compactMap(\.intValue),
                                  weights: (l["weights"]?.arrayValue ?? []).compactMap(\.doubleValue))
        } else {
            loss = MatryoshkaLoss(loss: try contrastive(l), dimensions: [["tiny": 32, "tiny_dense": 16][model] ?? 384])
        }
        miniBatchSize = o["cached_mini_batch_size"]?.intValue
        guard let b = o["batch"]?.objectValue else { throw FixtureError("missing batch") }
        func ids(_ v: JSONValue) -> EncoderInput { EncoderInput(ids: (v.arrayValue ?? []).compactMap { $0.intValue.map(Int32.init) }) }
        batch = try ContrastiveBatch(queries: (b["query_ids"]?.arrayValue ?? []).map(ids),
                                     positives: (b["positive_ids"]?.arrayValue ?? []).map(ids),
                                     negatives: (b["negative_ids"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).map(ids) })
        lossValue = try number(o["loss_value"])
        gradients = try SafeTensorsFile(path: Self.directory + "/" + (try string("grad_file")))
        updates = try SafeTensorsFile(path: Self.directory + "/" + (try string("update_file")))
        var rows: [String: [Int]] = [:]
        for (k, v) in o["rows"]?.objectValue?.entries ?? [] { rows[k] = (v.arrayValue ?? []).compactMap(\.intValue) }
        self.rows = rows
        func norms(_ k: String) -> [String: Double] {
            var out: [String: Double] = [:]
            for (n, v) in o[k]?.objectValue?.entries ?? [] { out[n] = v.doubleValue }
            return out
        }
        gradientNorms = norms("grad_norms")
        updateNorms = norms("update_norms")
        guard let opt = o["optimizer"]?.objectValue else { throw FixtureError("missing optimizer") }
        let betas = opt["betas"]?.arrayValue ?? []
        optimizer = AdamWSettings(learningRate: try number(opt["lr"]), beta1: try number(betas.first), beta2: try number(betas.last),
                                  epsilon: try number(opt["eps"]), weightDecay: try number(opt["weight_decay"]))
        warmup = opt["warmup_steps"]?.intValue ?? 0
        totalSteps = opt["total_steps"]?.intValue ?? 0
        steps = opt["steps"]?.intValue ?? 0
        maxGradNorm = try number(opt["max_grad_norm"])
        stepLosses = (o["step_losses"]?.arrayValue ?? []).compactMap(\.doubleValue)
        stepLearningRates = (o["step_lrs"]?.arrayValue ?? []).compactMap(\.doubleValue)
    }

    /// The model folder of the case (the committed tiny BERT, or all-MiniLM-L6-v2 found by the test locator).
    func modelFolder() throws -> String {
        if model == "tiny" { return try Self.tinyModel() }
        if model == "tiny_dense" { return try Self.tinyDenseModel() }
        guard let folder = TestModelLocator.folder else { throw FixtureError(TestModelLocator.missingMessage) }
        return folder
    }

    func trainable() throws -> TrainableBert {
        let folder = try modelFolder()
        let model = try EmbeddingModel(folder: folder)
        let weights = try BertWeights(file: SafeTensorsFile(path: folder + "/model.safetensors"), config: model.encoder.config)
        if let head = tokenHead {
            let h = model.encoder.config.hiddenSize
            return try TrainableBert(weights: weights, newTokenHead: TrainableDense(path: head.path, inputs: h, outputs: head.outputs, seed: head.seed),
                                     salience: salience.map { TrainableSalience(path: $0.path, inputs: h, seed: $0.seed) })
        }
        return try TrainableBert(weights: weights, heads: model.heads)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
