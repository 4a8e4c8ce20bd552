import TesseraKernels

/// BERT's input layer: word + position + token type embeddings, then LayerNorm.
public struct BertEmbeddings: Sendable {
    let word: FloatTensor           // [vocab, h]
    let position: FloatTensor       // [positions, h]
    let type: FloatTensor           // [types, h]
    let normGamma: FloatTensor
    let normBeta: FloatTensor

    /// Writes the embedded, normalised rows of every input into `x` (`[total tokens × h]`, sequence s from row
    /// `starts[s]`); positions restart at 0 for every sequence.
    func forward(_ inputs: [EncoderInput], starts: [Int], into x: UnsafeMutablePointer<Float>, hidden h: Int, epsilon: Float) {
        let word = self.word.pointer, position = self.position.pointer, type = self.type.pointer
        var total = 0
        for (s, input) in inputs.enumerated() {
            for t in 0..<input.ids.count {
                let row = x + (starts[s] + t) * h
                let w = word + Int(input.ids[t]) * h
                let p = position + t * h
                let ty = type + Int(input.typeIds[t]) * h
                for c in 0..<h { row[c] = w[c] + p[c] + ty[c] }
            }
            total += input.ids.count
        }
        VectorKernels.addLayerNorm(x, adding: nil, bias: nil, gamma: normGamma.pointer, beta: normBeta.pointer,
                                   rows: total, cols: h, epsilon: epsilon)
    }
}
