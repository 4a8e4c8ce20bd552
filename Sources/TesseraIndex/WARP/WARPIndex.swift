import CTesseraKernels
import TesseraIO

/// A compressed (WARP) token index opened for search: every array memory-mapped, sizes and offsets validated.
public final class WARPIndex: @unchecked Sendable {
    /// The folder (manifest, mapped arrays).
    public let folder: IndexFolder
    /// Vector width.
    public let dimension: Int
    /// Number of documents.
    public let documentCount: Int
    /// Number of indexed (kept) token vectors.
    public let tokenCount: Int
    /// Number of centroids K.
    public let centroidCount: Int
    /// The residual codec.
    public let codec: ResidualCodec
    /// Centroids, K × dimension, as bfloat16 bit patterns (see ``centroid(_:)``).
    public let centroids: IndexArray<UInt16>
    /// Postings of centroid c: `centroidOffsets[c] ..< centroidOffsets[c + 1]`.
    public let centroidOffsets: IndexArray<Int64>
    /// Codes of every posting (`tokenCount × codec.codeBytes`), grouped by centroid.
    public let codes: IndexArray<UInt8>
    /// Document of every posting (sorted within a centroid).
    public let postingDocuments: IndexArray<Int32>
    /// Quantised salience of every posting (× `salienceScale` / 255).
    public let postingSaliences: IndexArray<UInt8>
    /// Salience of a posting for code 1 (`salience_scale / 255`).
    public let salienceUnit: Float
    /// Whether the postings' saliences are learned (AligneR's heads; manifest `"salience": "learned"`) rather than IDF:
    /// then queries bring their own saliences.
    public let learnedSaliences: Bool
    /// idf per vocabulary id (query saliences of an IDF index).
    public let idf: IndexArray<Float>
    /// Tokens per document before pruning.
    public let documentLengths: IndexArray<Int32>
    /// β the index was built with.
    public let prune: Double

    /// The manifest's `codec` parameter of a compressed token index.
    public static let codecName = "warp-residual-v2"

    /// Opens and validates the index at `path`.
    public init(path: String, verifyChecksums: Bool = true) throws(IndexError) {
        folder = try IndexFolder(path: path, kind: nil, verifyChecksums: verifyChecksums)
        let p = folder.manifest.parameters
        guard folder.manifest.kind == .tokensWARP || folder.manifest.kind == .tokens else {
            throw IndexError(.wrongKind, "\(path) holds a \(folder.manifest.kind) index, expected a compressed token index")
        }
        guard let codecName = p["codec"]?.stringValue else {
            throw IndexError(.wrongKind, "\(path) holds an exact (uncompressed) token index, not a compressed (WARP) one")
        }
        guard codecName == WARPIndex.codecName else {
            throw IndexError(.unsupportedFormatVersion, "\(path) was built with codec \(codecName) (this Tessera reads \(WARPIndex.codecName)); rebuild it with `tessera index --kind tokens`")
        }
        guard let d = folder.manifest.dimension, d >= 1 else {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: a tokens-warp index needs a dimension")
        }
        guard let bits = p["bits"]?.intValue, bits == 2 || bits == 4 else {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: parameter \"bits\" must be 2 or 4")
        }
        dimension = d
        documentCount = try folder.count("documents")
        tokenCount = try folder.count("tokens")
        centroidCount = try folder.count("centroids")
        prune = p["prune"]?.doubleValue ?? 1
        let cutoffs = try folder.array(WARPIndex.ArrayName.bucketCutoffs, as: Float.self, count: (1 << bits) - 1)
        let weights = try folder.array(WARPIndex.ArrayName.bucketWeights, as: Float.self, count: 1 << bits)
        codec = ResidualCodec(bits: bits, dimension: d, cutoffs: Array(cutoffs), weights: Array(weights))
        centroids = try folder.array(WARPIndex.ArrayName.centroids, as: UInt16.self, count: centroidCount * d)
        centroidOffsets = try folder.array(WARPIndex.ArrayName.centroidOffsets, as: Int64.self, count: centroidCount + 1)
        codes = try folder.array(WARPIndex.ArrayName.codes, as: UInt8.self, count: tokenCount * codec.codeBytes)
        postingDocuments = try folder.array(WARPIndex.ArrayName.postingDocuments, as: Int32.self, count: tokenCount)
        postingSaliences = try folder.array(WARPIndex.ArrayName.postingSaliences, as: UInt8.self, count: tokenCount)
        idf = try folder.array(WARPIndex.ArrayName.idf, as: Float.self)
        documentLengths = try folder.array(WARPIndex.ArrayName.documentLengths, as: Int32.self, count: documentCount)
        salienceUnit = Float(p["salience_scale"]?.doubleValue ?? 1) / 255
        switch p["salience"]?.stringValue ?? "idf" {
        case "idf": learnedSaliences = false
        case "learned": learnedSaliences = true
        case let other: throw IndexError(.invalidManifest, "\(path)/manifest.json: unknown salience \(other) (idf or learned)")
        }
        // Offsets must partition the postings; documents must be in range and sorted within each centroid.
        var previous: Int64 = 0
        guard centroidOffsets.first == 0, centroidOffsets.last == Int64(tokenCount) else {
            throw IndexError(.invalidArray, "\(path)/centroid_offsets.bin: does not partition \(tokenCount) postings")
        }
        for c in 0..<centroidCount {
            let end = centroidOffsets[c + 1]
            guard end >= previous else { throw IndexError(.invalidArray, "\(path)/centroid_offsets.bin: offsets decrease at centroid \(c)") }
            var last: Int32 = -1
            for i in Int(previous)..<Int(end) {
                let doc = postingDocuments[i]
                guard doc >= last, doc < Int32(documentCount) else {
                    throw IndexError(.invalidArray, "\(path)/posting_documents.bin: document \(doc) out of order or range in centroid \(c)")
                }
                last = doc
            }
            previous = end
        }
    }

    /// Whether a manifest describes a compressed (WARP) token index rather than an exact one (early format-1 folders
    /// wrote kind `tokens` for both; the `codec` parameter tells them apart).
    public static func isCompressed(_ manifest: IndexManifest) -> Bool {
        (manifest.kind == .tokensWARP || manifest.kind == .tokens)
            && manifest.parameters["codec"]?.stringValue?.hasPrefix("warp-residual") == true
    }

    /// Centroid `c` as floats (the exact stored values).
    public func centroid(_ c: Int) -> [Float] {
        (0..<dimension).map { tw_bf16_to_float(centroids[c * dimension + $0]) }
    }

    /// The index's centroids and residual codec, for encoding more documents against them.
    public var codebook: WARPCodebook {
        get throws(IndexError) { try WARPCodebook(centroidBits: Array(centroids), codec: codec) }
    }

    /// The documents' external ids.
    public func documentIDs() throws(IndexError) -> StringTable { try folder.documentIDs() }
}
