/// Padding parameters, as in `tokenizer.json`'s `padding` (direction is always right).
public struct Padding: Sendable, Equatable {
    /// The target length.
    public enum Length: Sendable, Equatable {
        /// The longest encoding of the batch.
        case batchLongest
        /// A fixed length (longer encodings are left as they are).
        case fixed(Int)
    }

    /// The target length.
    public var length: Length
    /// If set (and > 0), the target length is rounded up to a multiple of this.
    public var padToMultipleOf: Int?
    /// Id of the padding token.
    public var padId: Int32
    /// Type id given to padding.
    public var padTypeId: Int32
    /// Token string of the padding token.
    public var padToken: String

    /// Creates padding parameters; defaults are BERT's (`[PAD]` = 0).
    public init(length: Length = .batchLongest, padToMultipleOf: Int? = nil, padId: Int32 = 0,
                padTypeId: Int32 = 0, padToken: String = "[PAD]") {
        self.length = length
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padTypeId = padTypeId
        self.padToken = padToken
    }

    /// The length `encodings` are padded to.
    func targetLength(for encodings: [Encoding]) -> Int {
        var n: Int
        switch length {
        case .batchLongest: n = encodings.map(\.count).max() ?? 0
        case let .fixed(size): n = size
        }
        if let multiple = padToMultipleOf, multiple > 0, n % multiple > 0 {
            n += multiple - n % multiple
        }
        return n
    }

    /// Pads every encoding shorter than the target on the right: `padId`, `padTypeId`, `padToken`,
    /// offsets `0..<0`, special-tokens mask 1, attention mask 0.
    func apply(to encodings: inout [Encoding]) {
        guard !encodings.isEmpty else { return }
        let target = targetLength(for: encodings)
        for i in encodings.indices where encodings[i].count < target {
            let n = target - encodings[i].count
            encodings[i].ids.append(contentsOf: repeatElement(padId, count: n))
            encodings[i].typeIds.append(contentsOf: repeatElement(padTypeId, count: n))
            encodings[i].tokens.append(contentsOf: repeatElement(padToken, count: n))
            encodings[i].offsets.append(contentsOf: repeatElement(0..<0, count: n))
            encodings[i].specialTokensMask.append(contentsOf: repeatElement(1, count: n))
            encodings[i].attentionMask.append(contentsOf: repeatElement(0, count: n))
        }
    }
}
