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

    /// nDCG@10 and Recall@100 of `folder`'s model on the split, at `dimension` (nil: full width).
    func evaluate(model folder: String, dimension: Int? = nil) throws -> (ndcg10: Double, recall100: Double) {
        let model = try EmbeddingModel(folder: folder)
        let options = EmbedOptions(dimension: dimension, maxLength: maxLength, threads: threads)
        let documents = try model.embed((0..<dataset.corpus.count).map(dataset.corpus.encodedText), options: options)
        let ids = dataset.judgedQueryIDs
        let queries = try model.embed(ids.compactMap(dataset.queries.text(of:)), options: EmbedOptions(dimension: dimension, threads: threads))
        let width = dimension ?? model.dimension
        let hits = documents.withUnsafeBufferPointer { buffer in
            DenseRetriever(vectors: buffer.baseAddress!, count: dataset.corpus.count, storedDimension: width, owner: nil)
                .search(queries: queries, queryDimension: width, topK: 100)
        }
        var run: Run = [:]
        for (q, id) in ids.enumerated() {
            run[id] = hits[q].map { (docID: dataset.corpus.ids[Int($0.document)], score: Double($0.score)) }
        }
        let evaluation = Evaluator(qrels: dataset.qrels).evaluate(run, metrics: [.ndcg(10), .recall(100)])
        return (evaluation.mean(.ndcg(10)) ?? 0, evaluation.mean(.recall(100)) ?? 0)
    }
}
