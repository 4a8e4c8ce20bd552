import Foundation
import TesseraKernels
import TesseraModels

/// How a multi-vector model scores a query against a document during training (PAPERS.md §2).
public enum MultiVectorScore: Sendable, Equatable {
    /// ColBERT's late interaction: `Σ_i max_j P_ij` over every token of the document.
    case colbert
    /// XTR's training score: for each query token only its `kTrain` best-scoring tokens over ALL documents of the batch
    /// count (Â), `(1/Z) Σ_i max_j Â_ij P_ij`, Z the number of query tokens that retrieved a token of that document
    /// (clipped below at ``MultiVectorLoss/zFloor``).
    case xtr(kTrain: Int)
    /// AligneR's sparse alignment (PAPERS.md §3): each query token aligned to its `k` most similar document tokens, each
    /// pair weighted by the product of the two tokens' saliences `u = λ · ReLU(s)` (s from the salience heads, λ from
    /// ``SalienceGate`` with budgets ⌈α_q · n⌉ for a query and ⌈α_d · m⌉ for a document): `Σ S A / Σ A`.
    case aligner(k: Int, alphaQuery: Double, alphaDocument: Double, gate: SalienceGate)
}

/// A contrastive loss over token vectors: for each query, softmax cross-entropy of `score / temperature` over every
/// document of the batch (all positives and all hard negatives, as sentence-transformers' MNRL and PyLate's
/// `Contrastive` do), the label being the query's own positive; mean over queries.
///
/// Rows are laid out as ``ContrastiveBatch/rows``: the B queries, the B positives, then each query's N negatives. Row r
/// owns token vectors `offsets[r] ..< offsets[r + 1]` (unit vectors, `width` wide).
public struct MultiVectorLoss: Sendable, Equatable {
    /// The score.
    public var score: MultiVectorScore
    /// The softmax temperature.
    public var temperature: Double

    /// Z's floor in the XTR score: a document none of whose tokens was retrieved scores 0.
    public static let zFloor = 1e-3

    /// Makes a loss.
    public init(score: MultiVectorScore, temperature: Double) {
        self.score = score
        self.temperature = temperature
    }

    /// Whether the score needs unary salience scores (one per token) from salience heads.
    public var needsSaliences: Bool { if case .aligner = score { return true } else { return false } }

    /// The loss of the batch and its gradient with respect to every token vector (same layout as `vectors`) and, for
    /// ``MultiVectorScore/aligner(k:alphaQuery:alphaDocument:gate:)``, with respect to every token's salience score
    /// `saliences` (before the ReLU; empty otherwise).
    public func evaluate(_ vectors: UnsafePointer<Float>, offsets: [Int], width d: Int, queries b: Int, negatives: Int,
                         saliences: [Float] = [], threads: Int = 1) throws(TrainingError)
        -> (loss: Double, gradient: [Float], salienceGradient: [Float]) {
        let rows = 2 * b + b * negatives
        guard b >= 1, offsets.count == rows + 1, d >= 1 else {
            throw TrainingError(.invalidArgument, "multi-vector loss got \(offsets.count - 1) rows, expected \(rows)")
        }
        guard temperature > 0, temperature.isFinite else { throw TrainingError(.invalidArgument, "the temperature must be positive") }
        if case .xtr(let k) = score, k < 1 { throw TrainingError(.invalidArgument, "--k-train must be at least 1") }
        if case .aligner(let k, let aq, let ad, let gate) = score {
            guard k >= 1, aq > 0, aq <= 1, ad > 0, ad <= 1, gate.epsilon > 0, gate.iterations >= 0 else {
                throw TrainingError(.invalidArgument, "aligner: k ≥ 1, α_q and α_d in (0, 1], ε > 0 and iterations ≥ 0 (0: the exact gate)")
            }
            guard saliences.count == offsets[rows] else {
                throw TrainingError(.invalidArgument, "aligner needs one salience score per token (\(saliences.count) for \(offsets[rows]))")
            }
        }
        let queryTokens = offsets[b], documentTokens = offsets[rows] - offsets[b]
        let documents = rows - b
        // P = Q Dᵀ: every query token against every document token of the batch.
        var p = [Float](repeating: 0, count: queryTokens * documentTokens)
        p.withUnsafeMutableBufferPointer { out in
            guard let c = out.baseAddress else { return }
            BLAS.sgemm(transB: true, m: queryTokens, n: documentTokens, k: d, a: vectors, lda: d, b: vectors + offsets[b] * d, ldb: d,
                       c: c, ldc: documentTokens, threads: threads)
        }
        // Per query token: which document tokens count (XTR: its batch-wide top k_train; ColBERT: all).
        var retrieved: [Float] = []
        if case .xtr(let k) = score {
            retrieved = (0..<queryTokens).map { a in Self.kthLargest(p[(a * documentTokens)..<((a + 1) * documentTokens)], k: min(k, documentTokens)) }
        }
        if case .aligner(let k, let aq, let ad, let gate) = score {
            return alignerLoss(p, vectors: vectors, offsets: offsets, width: d, queries: b, rows: rows, saliences: saliences,
                               k: k, alphas: (aq, ad), gate: gate)
        }
        // Per (query, document): the score, and for each query token the document token it aligned to (or -1) with
        // the weight d score / d P of that alignment.
        var total = 0.0
        var gradientP: [(row: Int, column: Int, value: Double)] = []
        for i in 0..<b {
            var logits = [Double](repeating: 0, count: documents)
            var alignments = [[(token: Int, column: Int)]](repeating: [], count: documents)
            var scales = [Double](repeating: 1, count: documents)
            for c in 0..<documents {
                let first = offsets[b + c] - offsets[b], last = offsets[b + c + 1] - offsets[b]
                var sum = 0.0, z = 0
                for a in offsets[i]..<offsets[i + 1] {
                    let row = a * documentTokens
                    var best = -Float.infinity, arg = -1
                    for j in first..<last where p[row + j] > best {
                        if !retrieved.isEmpty && p[row + j] < retrieved[a] { continue }
                        best = p[row + j]
                        arg = j
                    }
                    guard arg >= 0 else { continue }
                    sum += Double(best)
                    z += 1
                    alignments[c].append((a, arg))
                }
                if case .xtr = score { scales[c] = 1 / max(Double(z), Self.zFloor) }
                logits[c] = sum * scales[c] / temperature
            }
            let label = i  // the positive of query i is document i
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp($0 - top) }
            let sum = exps.reduce(0, +)
            total += -(logits[label] - top - Foundation.log(sum))
            for c in 0..<documents {
                let g = (exps[c] / sum - (c == label ? 1 : 0)) / Double(b) * scales[c] / temperature
                for (a, column) in alignments[c] { gradientP.append((a, column, g)) }
            }
        }
        return (total / Double(b), Self.vectorGradient(gradientP, vectors: vectors, offsets: offsets, width: d, queries: b), [])
    }

    /// dQ = G D and dD = Gᵀ Q for the sparse G of `entries` (query token row, document token column, value).
    static func vectorGradient(_ entries: [(row: Int, column: Int, value: Double)], vectors: UnsafePointer<Float>, offsets: [Int],
                               width d: Int, queries b: Int) -> [Float] {
        var gradient = [Double](repeating: 0, count: offsets[offsets.count - 1] * d)
        let base = offsets[b]
        for (a, j, g) in entries {
            let q = vectors + a * d, t = vectors + (base + j) * d
            let dq = a * d, dt = (base + j) * d
            for c in 0..<d {
                gradient[dq + c] += g * Double(t[c])
                gradient[dt + c] += g * Double(q[c])
            }
        }
        return gradient.map(Float.init)
    }

    /// The AligneR loss on the scores `p` (query tokens × document tokens of the batch).
    private func alignerLoss(_ p: [Float], vectors: UnsafePointer<Float>, offsets: [Int], width d: Int, queries b: Int, rows: Int,
                             saliences: [Float], k: Int, alphas: (query: Double, document: Double), gate: SalienceGate)
        -> (loss: Double, gradient: [Float], salienceGradient: [Float]) {
        let documentTokens = offsets[rows] - offsets[b], documents = rows - b
        // Unary saliences u = λ · ReLU(s) of every row.
        var solutions: [SalienceGate.Solution] = []
        var relu: [[Double]] = []
        var u = [Double](repeating: 0, count: offsets[rows])
        for row in 0..<rows {
            let r = (offsets[row]..<offsets[row + 1]).map { max(Double(saliences[$0]), 0) }
            let alpha = row < b ? alphas.query : alphas.document
            let solution = gate.solve(r, k: (alpha * Double(r.count)).rounded(.up))
            for (t, x) in r.enumerated() { u[offsets[row] + t] = solution.gates[t] * x }
            solutions.append(solution)
            relu.append(r)
        }
        var total = 0.0
        var gradientP: [(row: Int, column: Int, value: Double)] = []
        // ∂L/∂ln u of every token (u · ∂L/∂u): each pair contributes its share w/Z of the document's weight, which stays
        // bounded where u itself underflows (a gate far below its budget's threshold at small ε).
        var dLogU = [Double](repeating: 0, count: offsets[rows])
        let base = offsets[b]
        for i in 0..<b {
            var logits = [Double](repeating: 0, count: documents)
            var pairs = [[(token: Int, column: Int)]](repeating: [], count: documents)
            var sums = [(numerator: Double, denominator: Double)](repeating: (0, 0), count: documents)
            for c in 0..<documents {
                let first = offsets[b + c] - base, last = offsets[b + c + 1] - base
                let take = min(k, last - first)
                for a in offsets[i]..<offsets[i + 1] {
                    let row = a * documentTokens
                    // The `take` most similar tokens of the document (ties: the earlier token).
                    let ranked = (first..<last).sorted { p[row + $0] != p[row + $1] ? p[row + $0] > p[row + $1] : $0 < $1 }
                    for j in ranked.prefix(take) {
                        let w = u[a] * u[base + j]
                        sums[c].numerator += Double(p[row + j]) * w
                        sums[c].denominator += w
                        pairs[c].append((a, j))
                    }
                }
                logits[c] = sums[c].denominator > 0 ? sums[c].numerator / sums[c].denominator / temperature : 0
            }
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp($0 - top) }
            let sum = exps.reduce(0, +)
            total += -(logits[i] - top - Foundation.log(sum))
            for c in 0..<documents where sums[c].denominator > 0 {
                let g = (exps[c] / sum - (c == i ? 1 : 0)) / Double(b) / temperature
                let den = sums[c].denominator, sim = sums[c].numerator / den
                for (a, j) in pairs[c] {
                    let s = Double(p[a * documentTokens + j])
                    let share = u[a] * u[base + j] / den
                    gradientP.append((a, j, g * share))
                    dLogU[a] += g * share * (s - sim)
                    dLogU[base + j] += g * share * (s - sim)
                }
            }
        }
        // Back through u = λ · ReLU(s) and the gates: ∂L/∂ln λ = ∂L/∂ln u, and the direct path ∂L/∂s = λ · ∂L/∂u = (∂L/∂ln u) / s.
        var ds = [Float](repeating: 0, count: offsets[rows])
        for row in 0..<rows {
            let range = offsets[row]..<offsets[row + 1]
            let solution = solutions[row]
            let viaGates = gate.backward(solution, logGradient: range.map { dLogU[$0] })
            for (t, x) in range.enumerated() where saliences[x] > 0 {
                ds[x] = Float(dLogU[x] / relu[row][t] + viaGates[t])
            }
        }
        return (total / Double(b), Self.vectorGradient(gradientP, vectors: vectors, offsets: offsets, width: d, queries: b), ds)
    }

    /// The k-th largest value of `values` (k ≥ 1, at most their count).
    static func kthLargest(_ values: ArraySlice<Float>, k: Int) -> Float {
        var heap = TopK(k: k)
        for (j, v) in values.enumerated() where !heap.isFull || v > heap.threshold { heap.insert(Int32(j), v) }
        return heap.threshold
    }
}
