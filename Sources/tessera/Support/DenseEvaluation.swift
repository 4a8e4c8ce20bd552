import ArgumentParser
import Foundation
import TesseraEval
import TesseraKernels
import TesseraModels
import TesseraSearch

/// Exact dense retrieval of a BEIR split with one model folder, scored with trec_eval's rules: the evaluation
/// `tessera train --eval` runs on each checkpoint and `tessera mine` retrieves with.
struct DenseEvaluation {
    let dataset: BEIRDataset
    let threads: Int
    let maxLength: Int?

    /// nDCG@10 and Recall@100 of `folder`'s model on the split at each of `dimensions` (nil: full width), from one
    /// encoding of the corpus (Matryoshka: the first d values of each vector, renormalised).
    func evaluate(model folder: String, dimensions: [Int?] = [nil]) throws -> [(ndcg10: Double, recall100: Double)] {
        let model = try EmbeddingModel(folder: folder)
        let full = model.dimension
        let documents = try model.embed((0..<dataset.corpus.count).map(dataset.corpus.encodedText),
                                        options: EmbedOptions(maxLength: maxLength.map { min($0, model.encoder.config.maxPositions) },
                                                              threads: threads))
        let ids = dataset.judgedQueryIDs
        let queries = try model.embed(ids.compactMap(dataset.queries.text(of:)), options: EmbedOptions(threads: threads))
        return try dimensions.map { dimension in
            let width = dimension ?? full
            guard width >= 1 && width <= full else { throw ValidationError("dimension \(width) outside 1...\(full)") }
            func truncate(_ v: [Float], rows: Int) -> [Float] {
                var out = [Float](repeating: 0, count: rows * width)
                out.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows {
                        for c in 0..<width { o[r * width + c] = v[r * full + c] }
                        VectorKernels.l2Normalize(o.baseAddress! + r * width, count: width)
                    }
                }
                return out
            }
            let docs = truncate(documents, rows: dataset.corpus.count), qs = truncate(queries, rows: ids.count)
            let hits = docs.withUnsafeBufferPointer { buffer in
                DenseRetriever(vectors: buffer.baseAddress!, count: dataset.corpus.count, storedDimension: width, owner: nil)
                    .search(queries: qs, queryDimension: width, topK: 100)
            }
            var run: Run = [:]
            for (q, id) in ids.enumerated() {
                run[id] = hits[q].map { (docID: dataset.corpus.ids[Int($0.document)], score: Double($0.score)) }
            }
            let evaluation = Evaluator(qrels: dataset.qrels).evaluate(run, metrics: [.ndcg(10), .recall(100)])
            return (evaluation.mean(.ndcg(10)) ?? 0, evaluation.mean(.recall(100)) ?? 0)
        }
    }
}
