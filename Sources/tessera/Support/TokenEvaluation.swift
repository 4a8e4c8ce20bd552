import TesseraIngest
import Foundation
import TesseraEval
import TesseraModels
import TesseraSearch

/// XTR retrieval (AligneR's for a model with salience heads) of a BEIR split through the WARP engine at its defaults, scored with trec_eval's rules: the evaluation
/// `tessera train --eval` runs on each checkpoint of a multi-vector loss. The compressed index of the corpus is built
/// into a temporary folder under `scratch` and removed after the evaluation.
struct TokenEvaluation {
    let dataset: BEIRDataset
    let corpus: String
    let threads: Int
    let maxLength: Int?
    let queryMaxLength: Int
    let scratch: String

    /// nDCG@10 and Recall@100 of `folder`'s model on the split.
    func evaluate(model folder: String) throws -> (ndcg10: Double, recall100: Double) {
        let model = try EmbeddingModel(folder: folder)
        let index = scratch + "/.eval-index-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: index) }
        var options = IndexBuildOptions()
        let positions = model.encoder.config.maxPositions
        options.maxLength = maxLength.map { min($0, positions) }
        options.threads = threads
        _ = try IndexBuilder.buildWARP(model: model, corpus: corpus, destination: index, options: options)
        var parameters = WARPSearchParameters()
        parameters.threads = 1
        parameters.queryMaxLength = min(queryMaxLength, positions)
        let searcher = try WARPSearcher(path: index, model: model, mode: model.salienceHeads == nil ? .xtr : .aligner, parameters: parameters)
        let ids = dataset.judgedQueryIDs
        let documentIDs = searcher.documentIDs
        var run: Run = [:]
        for id in ids {
            let hits = try searcher.search(try searcher.prepare(dataset.queries.text(of: id) ?? ""), topK: 100)
            run[id] = hits.map { (docID: documentIDs[Int($0.document)], score: Double($0.score)) }
        }
        let evaluation = Evaluator(qrels: dataset.qrels).evaluate(run, metrics: [.ndcg(10), .recall(100)])
        return (evaluation.mean(.ndcg(10)) ?? 0, evaluation.mean(.recall(100)) ?? 0)
    }
}
