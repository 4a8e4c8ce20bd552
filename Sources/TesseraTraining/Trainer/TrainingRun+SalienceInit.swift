import Foundation
import TesseraKernels
import TesseraModels

extension TrainingRun {
    /// Token rows each of `--salience-init idf`'s two fits reads (documents for the document head, queries for the
    /// query head), in file order.
    static let salienceTokenBudget = 100_000

    /// `--salience-init idf`: new salience heads fitted by ridge regression (``SalienceRegression``) of each token's
    /// IDF over the training documents (every distinct positive and negative) on its encoder state; the document head on
    /// document tokens, the query head on query tokens, each up to ``salienceTokenBudget`` rows.
    static func idfSalience(model: EmbeddingModel, examples: [TrainingExample], configuration: TrainingConfiguration,
                            threads: Int) throws -> TrainableSalience {
        let config = model.encoder.config
        let limits = (query: min(configuration.queryMaxLength, config.maxPositions), document: min(configuration.maxLength, config.maxPositions))
        var seen = Set<String>()
        var documents: [EncoderInput] = []
        for example in examples {
            for document in [example.positive] + example.negatives {
                let text = configuration.format.document(document)
                if seen.insert(text).inserted { documents.append(try model.tokenize(text, maxLength: limits.document)) }
            }
        }
        let idf = InverseDocumentFrequency.table(documents: documents.map(\.ids), vocabularySize: config.vocabSize)
        var queries: [EncoderInput] = []
        seen.removeAll()
        for example in examples {
            let text = configuration.format.query(example.query, task: example.task)
            if seen.insert(text).inserted { queries.append(try model.tokenize(text, maxLength: limits.query)) }
        }
        func fit(_ inputs: [EncoderInput]) throws -> SalienceRegression {
            var kept: [EncoderInput] = []
            var rows = 0
            for input in inputs where rows < salienceTokenBudget {
                kept.append(input)
                rows += input.ids.count
            }
            var offsets = [Int](repeating: 0, count: kept.count + 1)
            for (i, input) in kept.enumerated() { offsets[i + 1] = offsets[i] + input.ids.count }
            let starts = offsets
            let hidden = config.hiddenSize
            let states = FloatBuffer(capacity: rows * hidden)
            let targets = kept.flatMap { $0.ids.map { idf[Int($0)] } }
            // Each input's rows are its own: the workers write disjoint ranges of `states`.
            try model.run(kept, options: EmbedOptions(batchSize: 32, threads: threads)) { index, x, count in
                (states.pointer + starts[index] * hidden).update(from: x, count: count * hidden)
            }
            return try SalienceRegression(rows: UnsafeBufferPointer(start: states.pointer, count: rows * hidden), width: hidden,
                                          targets: targets)
        }
        return TrainableSalience(query: try fit(queries), document: try fit(documents))
    }
}
