/// The Snowball English stemmer ("Porter2") in its Snowball 3.0 form, exactly as PyStemmer 3.1 runs it for
/// `Stemmer.Stemmer("english")` (checked word for word against a PyStemmer fixture).
///
/// Works on Unicode scalars: characters other than the ASCII letters the rules name are consonants ("non-vowels"),
/// so digits, underscores and non-Latin letters pass through unchanged unless a suffix rule applies around them.
/// Input is expected in lowercase (the analyser lowercases first); an uppercase `Y` in the input is treated as the
/// algorithm's consonant-`y` marker, as Snowball does.
///
/// Steps (https://snowballstem.org/algorithms/english/stemmer.html): exceptional whole words; words shorter than
/// three characters unchanged; prelude (leading apostrophe, consonant `y` → `Y`); regions R1/R2 (with the special
/// prefixes gener-, commun-, arsen-, past-, univers-, later-, emerg-, organ-, inter-); steps 1a, 1b, 1c, 2, 3, 4, 5; postlude.
/// Each step looks for the *longest* listed suffix and then either applies its rule or does nothing (a failed
/// condition never falls back to a shorter suffix).
public struct EnglishStemmer: Sendable {
    /// Makes a stemmer (stateless).
    public init() {}

    /// The stem of `word`.
    public func stem(_ word: String) -> String {
        var w = Array(word.unicodeScalars.lazy.map(\.value))
        guard Self.stem(&w) else { return word }
        var out = String.UnicodeScalarView()
        for v in w { out.append(Unicode.Scalar(v)!) }
        return String(out)
    }

    /// Stems `w` (Unicode scalar values) in place; returns false when the word is left unchanged.
    @discardableResult
    static func stem(_ w: inout [UInt32]) -> Bool {
        if let replacement = exception1(w) {
            if let replacement { w = replacement; return true }
            return false
        }
        if w.count < 3 { return false }
        let original = w
        var word = Word(w)
        word.run()
        w = word.w
        return w != original
    }

    // MARK: - Exceptional forms

    private static let exceptions: [(String, String?)] = [
        ("skis", "ski"), ("skies", "sky"),
        ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"), ("early", "earli"), ("only", "onli"),
        ("singly", "singl"),
        ("sky", nil), ("news", nil), ("howe", nil), ("atlas", nil), ("cosmos", nil), ("bias", nil), ("andes", nil),
    ]
    private static let exceptionScalars: [([UInt32], [UInt32]?)] = exceptions.map { (word, stem) in
        (word.unicodeScalars.map(\.value), stem.map { $0.unicodeScalars.map(\.value) })
    }

    /// `.some(replacement or nil for invariant)` when `w` is one of the exceptional whole words.
    private static func exception1(_ w: [UInt32]) -> [UInt32]?? {
        guard w.count >= 3, w.count <= 6 else { return nil }
        for (word, stem) in exceptionScalars where word == w { return .some(stem) }
        return nil
    }
}

// MARK: - The algorithm

private let cA: UInt32 = 97, cE: UInt32 = 101, cI: UInt32 = 105, cO: UInt32 = 111, cU: UInt32 = 117
private let cY: UInt32 = 121, cUpperY: UInt32 = 89, cW: UInt32 = 119, cX: UInt32 = 120
private let cL: UInt32 = 108, cS: UInt32 = 115, cT: UInt32 = 116, cApostrophe: UInt32 = 39

@inline(__always) private func isVowel(_ c: UInt32) -> Bool {
    c == cA || c == cE || c == cI || c == cO || c == cU || c == cY
}

/// `v_WXY`: vowels plus w, x and the consonant marker Y.
@inline(__always) private func isVowelWXY(_ c: UInt32) -> Bool {
    isVowel(c) || c == cW || c == cX || c == cUpperY
}

/// The scalars of an ASCII literal.
private func s(_ literal: StaticString) -> [UInt32] {
    literal.withUTF8Buffer { $0.map { UInt32($0) } }
}

/// A suffix rule table entry: the suffix and what to do when it is the longest match.
private struct Rule {
    enum Action { case replace([UInt32]), delete, special(Int) }
    let suffix: [UInt32]
    let action: Action
    init(_ suffix: StaticString, _ action: Action) {
        self.suffix = s(suffix)
        self.action = action
    }
}

private let regionPrefixes: [[UInt32]] = [
    s("gener"), s("commun"), s("arsen"), s("past"), s("univers"), s("later"), s("emerg"), s("organ"), s("inter"),
]

private let step2Rules: [Rule] = [
    Rule("tional", .replace(s("tion"))), Rule("enci", .replace(s("ence"))), Rule("anci", .replace(s("ance"))),
    Rule("abli", .replace(s("able"))), Rule("entli", .replace(s("ent"))),
    Rule("izer", .replace(s("ize"))), Rule("ization", .replace(s("ize"))),
    Rule("ational", .replace(s("ate"))), Rule("ation", .replace(s("ate"))), Rule("ator", .replace(s("ate"))),
    Rule("alism", .replace(s("al"))), Rule("aliti", .replace(s("al"))), Rule("alli", .replace(s("al"))),
    Rule("fulness", .replace(s("ful"))),
    Rule("ousli", .replace(s("ous"))), Rule("ousness", .replace(s("ous"))),
    Rule("iveness", .replace(s("ive"))), Rule("iviti", .replace(s("ive"))),
    Rule("biliti", .replace(s("ble"))), Rule("bli", .replace(s("ble"))),
    Rule("ogist", .replace(s("og"))),
    Rule("ogi", .special(0)),  // 'l' before → og
    Rule("fulli", .replace(s("ful"))), Rule("lessli", .replace(s("less"))),
    Rule("li", .special(1)),  // valid li-ending before → delete
]

private let step3Rules: [Rule] = [
    Rule("tional", .replace(s("tion"))), Rule("ational", .replace(s("ate"))), Rule("alize", .replace(s("al"))),
    Rule("icate", .replace(s("ic"))), Rule("iciti", .replace(s("ic"))), Rule("ical", .replace(s("ic"))),
    Rule("ful", .delete), Rule("ness", .delete),
    Rule("ative", .special(0)),  // delete if in R2
]

private let step4Rules: [Rule] = [
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate", "iti", "ous",
    "ive", "ize",
].map { Rule($0, .delete) } + [Rule("ion", .special(0))]  // s or t before → delete

/// Characters that may precede a deletable `li` (step 2).
private func isValidLIEnding(_ c: UInt32) -> Bool {
    switch c {
    case 99, 100, 101, 103, 104, 107, 109, 110, 114, 116: return true  // c d e g h k m n r t
    default: return false
    }
}

/// Mutable state of one word going through the steps.
private struct Word {
    var w: [UInt32]
    var p1 = 0
    var p2 = 0
    var yFound = false

    init(_ w: [UInt32]) { self.w = w }

    mutating func run() {
        prelude()
        markRegions()
        step1a()
        step1b()
        step1c()
        apply(step2Rules, region: p1)
        apply(step3Rules, region: p1)
        apply(step4Rules, region: p2)
        step5()
        if yFound {
            for i in w.indices where w[i] == cUpperY { w[i] = cY }
        }
    }

    // MARK: Helpers

    func endsWith(_ suffix: [UInt32], at end: Int? = nil) -> Bool {
        let end = end ?? w.count
        guard suffix.count <= end else { return false }
        var i = end - suffix.count
        for c in suffix {
            if w[i] != c { return false }
            i += 1
        }
        return true
    }

    /// Replaces `w[start...]` with `replacement`.
    mutating func replaceTail(from start: Int, with replacement: [UInt32]) {
        w.removeSubrange(start...)
        w.append(contentsOf: replacement)
    }

    /// True if `w[..<end]` contains a vowel.
    func hasVowel(before end: Int) -> Bool {
        var i = 0
        while i < end {
            if isVowel(w[i]) { return true }
            i += 1
        }
        return false
    }

    /// Snowball's `shortv`, tested backwards from `end`: (non-v_WXY v non-v) or (non-v v at start) or 'past'.
    func isShortSyllable(endingAt end: Int) -> Bool {
        if end >= 3, !isVowelWXY(w[end - 1]), isVowel(w[end - 2]), !isVowel(w[end - 3]) { return true }
        if end == 2, !isVowel(w[1]), isVowel(w[0]) { return true }
        if end >= 4, endsWith(s("past"), at: end) { return true }
        return false
    }

    /// The longest rule whose suffix ends the word, with the suffix start.
    func longestMatch(_ rules: [Rule]) -> (rule: Rule, start: Int)? {
        var best: Rule? = nil
        for rule in rules where endsWith(rule.suffix) {
            if best == nil || rule.suffix.count > best!.suffix.count { best = rule }
        }
        guard let best else { return nil }
        return (best, w.count - best.suffix.count)
    }

    // MARK: Prelude and regions

    mutating func prelude() {
        if w.first == cApostrophe { w.removeFirst() }
        if w.first == cY {
            w[0] = cUpperY
            yFound = true
        }
        var i = 1
        while i < w.count {
            if w[i] == cY, isVowel(w[i - 1]) {
                w[i] = cUpperY
                yFound = true
            }
            i += 1
        }
    }

    /// Index just past the first vowel followed by a non-vowel, searching from `start`; nil if none.
    func pastVowelThenConsonant(from start: Int) -> Int? {
        var i = start
        while i < w.count, !isVowel(w[i]) { i += 1 }
        guard i < w.count else { return nil }
        i += 1
        while i < w.count, isVowel(w[i]) { i += 1 }
        guard i < w.count else { return nil }
        return i + 1
    }

    mutating func markRegions() {
        p1 = w.count
        p2 = w.count
        var start: Int? = nil
        var longest = 0
        for prefix in regionPrefixes where prefix.count > longest && prefix.count <= w.count
            && Array(w[0..<prefix.count]) == prefix {
            longest = prefix.count
        }
        if longest > 0 { start = longest } else { start = pastVowelThenConsonant(from: 0) }
        guard let r1 = start else { return }
        p1 = r1
        if let r2 = pastVowelThenConsonant(from: r1) { p2 = r2 }
    }

    // MARK: Steps

    mutating func step1a() {
        // Apostrophe endings: 's' 's '.
        if endsWith(s("'s'")) {
            w.removeLast(3)
        } else if endsWith(s("'s")) {
            w.removeLast(2)
        } else if endsWith(s("'")) {
            w.removeLast(1)
        }
        let n = w.count
        if endsWith(s("sses")) {
            w.removeLast(2)
        } else if endsWith(s("ied")) || endsWith(s("ies")) {
            let start = n - 3
            replaceTail(from: start, with: start >= 2 ? [cI] : [cI, cE])
        } else if endsWith(s("us")) || endsWith(s("ss")) {
            return
        } else if endsWith(s("s")) {
            // Delete if a vowel occurs before the letter preceding the s.
            let start = n - 1
            if start >= 1, hasVowel(before: start - 1) { w.removeLast() }
        }
    }

    mutating func step1b() {
        let n = w.count
        let candidates: [(StaticString, Int)] = [("eedly", 0), ("ingly", 1), ("edly", 1), ("eed", 0), ("ing", 2), ("ed", 1)]
        var kind = -1
        var start = n
        for (suffix, k) in candidates where endsWith(s(suffix)) {
            kind = k
            start = n - s(suffix).count
            break  // candidates are listed longest first
        }
        switch kind {
        case 0:  // eed, eedly
            let stemPart = Array(w[0..<start])
            if stemPart == s("proc") || stemPart == s("exc") || stemPart == s("succ") { return }
            if start >= p1 { replaceTail(from: start, with: [cE, cE]) }
            return
        case 1:  // ed, edly, ingly
            removeVerbSuffix(start: start)
        case 2:  // ing, with its exceptions
            if start == 2, w[1] == cY, !isVowel(w[0]) {
                // dying → die, lying → lie, tying → tie, vying → vie
                replaceTail(from: 1, with: [cI, cE])
                return
            }
            let stemPart = Array(w[0..<start])
            for invariant in [s("inn"), s("out"), s("cann"), s("herr"), s("earr"), s("even")] where stemPart == invariant {
                return
            }
            removeVerbSuffix(start: start)
        default:
            return
        }
    }

    /// Step 1b's general rule for ed/edly/ing/ingly starting at `start`.
    mutating func removeVerbSuffix(start: Int) {
        guard hasVowel(before: start) else { return }
        w.removeSubrange(start...)
        let m = w.count
        if endsWith(s("at")) || endsWith(s("bl")) || endsWith(s("iz")) {
            w.append(cE)
            return
        }
        if m >= 2, w[m - 1] == w[m - 2] {
            switch w[m - 1] {
            case 98, 100, 102, 103, 109, 110, 112, 114, 116:  // b d f g m n p r t
                if m == 3, w[0] == cA || w[0] == cE || w[0] == cO { return }
                w.removeLast()
                return
            default:
                break
            }
        }
        if m == p1, isShortSyllable(endingAt: m) { w.append(cE) }
    }

    mutating func step1c() {
        let n = w.count
        guard n >= 3, w[n - 1] == cY || w[n - 1] == cUpperY, !isVowel(w[n - 2]) else { return }
        w[n - 1] = cI
    }

    /// Steps 2, 3 and 4: longest suffix, then the region condition, then the rule.
    mutating func apply(_ rules: [Rule], region: Int) {
        guard let (rule, start) = longestMatch(rules), start >= region else { return }
        switch rule.action {
        case .replace(let replacement):
            replaceTail(from: start, with: replacement)
        case .delete:
            w.removeSubrange(start...)
        case .special:
            let suffix = rule.suffix
            if suffix == s("ogi") {
                if start >= 1, w[start - 1] == cL { replaceTail(from: start, with: s("og")) }
            } else if suffix == s("li") {
                if start >= 1, isValidLIEnding(w[start - 1]) { w.removeSubrange(start...) }
            } else if suffix == s("ative") {
                if start >= p2 { w.removeSubrange(start...) }
            } else if suffix == s("ion") {
                if start >= 1, w[start - 1] == cS || w[start - 1] == cT { w.removeSubrange(start...) }
            }
        }
    }

    mutating func step5() {
        let n = w.count
        guard n >= 1 else { return }
        let start = n - 1
        if w[start] == cE {
            if start >= p2 || (start >= p1 && !isShortSyllable(endingAt: start)) { w.removeLast() }
        } else if w[start] == cL {
            if start >= p2, start >= 1, w[start - 1] == cL { w.removeLast() }
        }
    }
}
