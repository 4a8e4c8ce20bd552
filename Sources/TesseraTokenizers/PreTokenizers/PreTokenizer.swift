/// A `tokenizer.json` pre-tokenizer of a supported kind. Pre-tokenizers split normalized text into words
/// (ranges of normalized scalars); they never change characters.
indirect enum PreTokenizer: Sendable, Equatable {
    /// `BertPreTokenizer`: split on white space (removed), isolate every punctuation character.
    case bert
    /// `WhitespaceSplit`: split on white space (removed).
    case whitespaceSplit
    /// `Whitespace`: the regex `\w+|[^\w\s]+`.
    case whitespace
    /// `Punctuation`: split around punctuation with the given behavior.
    case punctuation(SplitBehavior)
    /// `Digits`: split around numeric characters, each digit alone if `individualDigits`.
    case digits(individualDigits: Bool)
    /// `Sequence`: each pre-tokenizer in turn on the pieces of the previous one.
    case sequence([PreTokenizer])

    /// Appends the words of `text.scalars[range]` to `words`.
    func split(_ text: NormalizedText, _ range: Range<Int>, into words: inout [Range<Int>]) {
        switch self {
        case .bert:
            Self.splitBert(text.scalars, range, into: &words)
        case .whitespaceSplit:
            SplitBehavior.removed.split(text.scalars, range, where: UnicodeClasses.isWhitespace, into: &words)
        case .whitespace:
            Self.splitWordsAndSymbols(text.scalars, range, into: &words)
        case let .punctuation(behavior):
            behavior.split(text.scalars, range, where: UnicodeClasses.isBertPunctuation, into: &words)
        case let .digits(individual):
            (individual ? SplitBehavior.isolated : .contiguous)
                .split(text.scalars, range, where: UnicodeClasses.isNumeric, into: &words)
        case let .sequence(steps):
            var current = [range]
            var next: [Range<Int>] = []
            for step in steps {
                next.removeAll(keepingCapacity: true)
                for piece in current { step.split(text, piece, into: &next) }
                swap(&current, &next)
            }
            words.append(contentsOf: current)
        }
    }

    /// BertPreTokenizer in one pass.
    static func splitBert(_ s: [UInt32], _ range: Range<Int>, into words: inout [Range<Int>]) {
        var start = -1
        for i in range {
            let c = s[i]
            if c == 0x20 || UnicodeClasses.isWhitespace(c) {
                if start >= 0 { words.append(start..<i); start = -1 }
            } else if UnicodeClasses.isBertPunctuation(c) {
                if start >= 0 { words.append(start..<i); start = -1 }
                words.append(i..<i + 1)
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { words.append(start..<range.upperBound) }
    }

    /// `\w+|[^\w\s]+`: maximal runs of word characters and of other non-space characters.
    static func splitWordsAndSymbols(_ s: [UInt32], _ range: Range<Int>, into words: inout [Range<Int>]) {
        var start = -1
        var startIsWord = false
        for i in range {
            let c = s[i]
            if UnicodeClasses.isWhitespace(c) {
                if start >= 0 { words.append(start..<i); start = -1 }
                continue
            }
            let isWord = UnicodeClasses.isWordCharacter(c)
            if start >= 0 && isWord != startIsWord {
                words.append(start..<i)
                start = -1
            }
            if start < 0 {
                start = i
                startIsWord = isWord
            }
        }
        if start >= 0 { words.append(start..<range.upperBound) }
    }
}

/// What a split does with the characters that match its pattern (HF `SplitDelimiterBehavior`).
enum SplitBehavior: Sendable, Equatable {
    /// Drop them.
    case removed
    /// Each alone.
    case isolated
    /// Append each to the piece before it.
    case mergedWithPrevious
    /// Prepend each to the piece after it.
    case mergedWithNext
    /// Runs of matches form one piece.
    case contiguous

    /// Splits `s[range]` around scalars matching `isMatch` (each matching scalar is one match).
    func split(_ s: [UInt32], _ range: Range<Int>, where isMatch: (UInt32) -> Bool, into words: inout [Range<Int>]) {
        // Events: maximal non-matching runs and single matching scalars, in order.
        var events: [(range: Range<Int>, match: Bool)] = []
        var last = range.lowerBound
        for i in range where isMatch(s[i]) {
            if last < i { events.append((last..<i, false)) }
            events.append((i..<i + 1, true))
            last = i + 1
        }
        if last < range.upperBound { events.append((last..<range.upperBound, false)) }

        var pieces: [Range<Int>] = []
        switch self {
        case .removed:
            pieces = events.filter { !$0.match }.map(\.range)
        case .isolated:
            pieces = events.map(\.range)
        case .mergedWithPrevious:
            var previousMatch = false
            for e in events {
                if e.match && !previousMatch, let lastPiece = pieces.last {
                    pieces[pieces.count - 1] = lastPiece.lowerBound..<e.range.upperBound
                } else {
                    pieces.append(e.range)
                }
                previousMatch = e.match
            }
        case .mergedWithNext:
            var previousMatch = false
            for e in events.reversed() {
                if e.match && !previousMatch, let lastPiece = pieces.last {
                    pieces[pieces.count - 1] = e.range.lowerBound..<lastPiece.upperBound
                } else {
                    pieces.append(e.range)
                }
                previousMatch = e.match
            }
            pieces.reverse()
        case .contiguous:
            var previousMatch = false
            for e in events {
                if e.match == previousMatch, let lastPiece = pieces.last {
                    pieces[pieces.count - 1] = lastPiece.lowerBound..<e.range.upperBound
                } else {
                    pieces.append(e.range)
                }
                previousMatch = e.match
            }
        }
        words.append(contentsOf: pieces.filter { !$0.isEmpty })
    }
}
