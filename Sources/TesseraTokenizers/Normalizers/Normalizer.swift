/// A `tokenizer.json` normalizer of a supported kind.
indirect enum Normalizer: Sendable {
    /// `BertNormalizer`.
    case bert(BertNormalizer)
    /// `Lowercase`: full per-scalar lowercase mapping.
    case lowercase
    /// `NFD`: canonical decomposition and ordering (Unicode 9.0 tables, as HF).
    case nfd
    /// `StripAccents`: delete combining marks (Mn, Mc, Me; Unicode 9.0).
    case stripAccents
    /// `Sequence`: each normalizer in turn.
    case sequence([Normalizer])

    /// Normalizes `scalars` (with `origins`), appending the result to `out`.
    func normalize(_ scalars: ArraySlice<UInt32>, _ origins: ArraySlice<Int32>, into out: inout NormalizedText) {
        switch self {
        case let .bert(bert):
            bert.normalize(scalars, origins, into: &out)
        case .lowercase:
            var oi = origins.startIndex
            for c in scalars {
                let before = out.scalars.count
                UnicodeClasses.appendLowercase(c, to: &out.scalars)
                for _ in before..<out.scalars.count { out.origins.append(origins[oi]) }
                oi += 1
            }
        case .nfd:
            let start = out.count
            var oi = origins.startIndex
            for c in scalars {
                let before = out.scalars.count
                CanonicalDecomposition.append(c, to: &out.scalars)
                for _ in before..<out.scalars.count { out.origins.append(origins[oi]) }
                oi += 1
            }
            CanonicalDecomposition.reorder(&out.scalars, start..<out.count)
        case .stripAccents:
            var oi = origins.startIndex
            for c in scalars {
                if !UnicodeClasses.isCombiningMark(c) { out.append(c, origins[oi]) }
                oi += 1
            }
        case let .sequence(steps):
            var current = NormalizedText(scalars: Array(scalars), origins: Array(origins))
            for step in steps {
                var next = NormalizedText()
                step.normalize(current.scalars[...], current.origins[...], into: &next)
                current = next
            }
            out.scalars.append(contentsOf: current.scalars)
            out.origins.append(contentsOf: current.origins)
        }
    }

    /// The normalized scalars of a whole string (used for `normalized: true` added tokens).
    func normalize(_ string: String) -> [UInt32] {
        let input = NormalizedText(identity: [UInt32](scalarsOf: string))
        var out = NormalizedText()
        normalize(input.scalars[...], input.origins[...], into: &out)
        return out.scalars
    }
}
