import Foundation
import TesseraIO

/// A tokenizer loaded from a Hugging Face `tokenizer.json`, producing the same ids, type ids and offsets
/// as HF `tokenizers` (Rust) for BERT WordPiece tokenizers.
///
/// Pipeline (HF order): added tokens split off the raw text → normalizer → `normalized` added tokens →
/// pre-tokenizer → WordPiece → optional truncation → post-processor. Immutable after `init`, so one
/// instance can be used from several threads at once.
public final class Tokenizer: Sendable {
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: WordPiece
    let addedVocabulary: AddedVocabulary
    let postProcessor: PostProcessor
    let decoder: Decoder

    /// The `truncation` written in `tokenizer.json`, if any. Not applied by ``encode(_:pair:addSpecialTokens:truncation:)``
    /// unless passed in: transformers and sentence-transformers override it on every call.
    public let defaultTruncation: Truncation?
    /// The `padding` written in `tokenizer.json`, if any. Not applied unless passed to ``pad(_:padding:)``.
    public let defaultPadding: Padding?
    /// The added tokens of `tokenizer.json`, in file order.
    public let addedTokens: [AddedToken]
    /// Number of distinct tokens: the model vocabulary plus added tokens not in it (HF
    /// `get_vocab_size(with_added_tokens=True)`).
    public let vocabularySize: Int

    /// Loads `tokenizer.json` from `url`.
    ///
    /// - Throws: ``TokenizerError`` with ``TokenizerError/Code/fileNotFound`` ("tokenizer.json not found at
    ///   …"), ``TokenizerError/Code/invalidJSON``, ``TokenizerError/Code/invalidConfiguration`` or
    ///   ``TokenizerError/Code/unsupported`` ("unsupported: …").
    public convenience init(contentsOf url: URL) throws(TokenizerError) {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TokenizerError(.fileNotFound, "tokenizer.json not found at \(path)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError(.unreadable, "cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(jsonBytes: [UInt8](data))
    }

    /// Builds a tokenizer from the bytes of a `tokenizer.json`.
    public init(jsonBytes: [UInt8]) throws(TokenizerError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(jsonBytes)
        } catch {
            throw TokenizerError(.invalidJSON, "invalid tokenizer.json: \(error)")
        }
        let config = try TokenizerConfig(json: json)
        normalizer = config.normalizer
        preTokenizer = config.preTokenizer
        model = config.model
        postProcessor = config.postProcessor
        decoder = config.decoder
        defaultTruncation = config.truncation
        defaultPadding = config.padding
        addedTokens = config.addedTokens
        addedVocabulary = AddedVocabulary(tokens: config.addedTokens, model: config.model, normalizer: config.normalizer)
        let extra = addedVocabulary.contents.filter { config.model.vocab.find($0) < 0 }.count
        vocabularySize = config.model.count + extra
    }

    /// Id of `token` (added tokens first, then the model vocabulary), compared by UTF-8 bytes.
    public func tokenId(for token: String) -> Int32? {
        if let id = addedVocabulary.id(for: token) { return id }
        return model.id(for: token)
    }

    /// Token string of `id` (added tokens first, then the model vocabulary).
    public func token(for id: Int32) -> String? {
        if let added = addedVocabulary.idToToken[id] { return added.content }
        return model.idToToken[id]
    }

    /// Number of special tokens the post-processor adds to a single sequence and to a pair.
    public var numSpecialTokensToAdd: (single: Int, pair: Int) {
        (postProcessor.addedTokens(pair: false), postProcessor.addedTokens(pair: true))
    }

    /// Pads `encodings` on the right (HF `pad_encodings`): to the longest or a fixed length, rounded up to
    /// `padToMultipleOf`. Encodings already long enough are left unchanged.
    public func pad(_ encodings: inout [Encoding], padding: Padding) {
        padding.apply(to: &encodings)
    }
}
