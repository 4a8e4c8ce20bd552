/// HF `TemplateProcessing`: templates of sequences and special tokens, e.g. `[CLS]:0 $A:0 [SEP]:0`.
struct TemplateProcessing: Sendable {
    /// One element of a template.
    enum Piece: Sendable, Equatable {
        /// Sequence A (`isPair == false`) or B, with its type id.
        case sequence(isPair: Bool, typeId: Int32)
        /// A special token (by name in `special_tokens`), with its type id.
        case special(name: String, typeId: Int32)
    }

    /// A special token of the template: its ids and token strings.
    struct SpecialToken: Sendable {
        var ids: [Int32]
        var tokens: [String]
    }

    var single: [Piece]
    var pair: [Piece]?
    /// Special tokens by name.
    var specialTokens: [String: SpecialToken]

    /// Number of special-token ids the template adds.
    func addedTokens(pair isPair: Bool) -> Int {
        guard let template = isPair ? pair : single else { return 0 }
        var n = 0
        for case let .special(name, _) in template { n += specialTokens[name]?.ids.count ?? 0 }
        return n
    }

    func process(_ a: SequenceTokens, _ b: SequenceTokens?, addSpecialTokens: Bool) throws(TokenizerError) -> Encoding {
        let template: [Piece]
        if b == nil {
            template = single
        } else if let pairTemplate = pair {
            template = pairTemplate
        } else {
            throw TokenizerError(.invalidArgument, "this tokenizer's TemplateProcessing has no pair template")
        }
        var out = Encoding()
        let total = a.count + (b?.count ?? 0) + (addSpecialTokens ? addedTokens(pair: b != nil) : 0)
        out.reserve(total)
        for piece in template {
            switch piece {
            case let .sequence(isPair, typeId):
                guard let seq = isPair ? b : a else { continue }
                out.appendSequence(seq, typeId: typeId)
            case let .special(name, typeId):
                guard addSpecialTokens, let special = specialTokens[name] else { continue }
                for (id, token) in zip(special.ids, special.tokens) {
                    out.append(id: id, typeId: typeId, token: token, offsets: 0..<0, special: 1, attention: 1)
                }
            }
        }
        return out
    }

    /// Parses a template given as a string (`"[CLS]:0 $A:0 [SEP]:0"`) or as an array of pieces (objects
    /// `{"SpecialToken": {"id": …, "type_id": …}}` / `{"Sequence": {"id": "A", "type_id": …}}` or strings).
    static func parsePieces(_ items: [PieceSource]) throws(TokenizerError) -> [Piece] {
        var pieces: [Piece] = []
        for item in items {
            switch item {
            case let .text(s): pieces.append(try parsePiece(s))
            case let .piece(p): pieces.append(p)
            }
        }
        return pieces
    }

    /// A template element before parsing.
    enum PieceSource {
        case text(String)
        case piece(Piece)
    }

    /// HF `Piece::try_from(String)`: `$A`, `$B`, `$` (A), `$N` (A with type id N), `NAME`, each optionally
    /// followed by `:TYPE_ID`.
    static func parsePiece(_ s: String) throws(TokenizerError) -> Piece {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        let bad = TokenizerError.invalid("cannot build a template piece from \"\(s)\"")
        guard parts.count == 1 || parts.count == 2 else { throw bad }
        var typeId: Int32? = nil
        if parts.count == 2 {
            guard let t = UInt32(parts[1]), t <= UInt32(Int32.max) else { throw bad }
            typeId = Int32(t)
        }
        let id = parts[0]
        if id.hasPrefix("$") {
            let rest = id.dropFirst()
            switch rest {
            case "", "A", "a": return .sequence(isPair: false, typeId: typeId ?? 0)
            case "B", "b": return .sequence(isPair: true, typeId: typeId ?? 0)
            default:
                guard let n = UInt32(rest), n <= UInt32(Int32.max) else { throw bad }
                return .sequence(isPair: false, typeId: typeId ?? Int32(n))
            }
        }
        return .special(name: String(id), typeId: typeId ?? 0)
    }
}

extension Encoding {
    mutating func reserve(_ n: Int) {
        ids.reserveCapacity(n)
        typeIds.reserveCapacity(n)
        tokens.reserveCapacity(n)
        offsets.reserveCapacity(n)
        specialTokensMask.reserveCapacity(n)
        attentionMask.reserveCapacity(n)
    }

    mutating func appendSequence(_ seq: SequenceTokens, typeId: Int32) {
        ids.append(contentsOf: seq.ids)
        typeIds.append(contentsOf: repeatElement(typeId, count: seq.count))
        tokens.append(contentsOf: seq.tokens)
        offsets.append(contentsOf: seq.offsets)
        specialTokensMask.append(contentsOf: repeatElement(0, count: seq.count))
        attentionMask.append(contentsOf: repeatElement(1, count: seq.count))
    }
}
