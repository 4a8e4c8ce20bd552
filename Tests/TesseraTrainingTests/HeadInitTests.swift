import Foundation
import Testing
import TesseraKernels
import TesseraModels
import TesseraTraining
import TesseraTestSupport

/// `--head-init pca`: a new token head that starts from the encoder's own geometry.
@Suite struct HeadInitTests {
    /// Rows drawn with a known structure: each eigenpair satisfies A v = λ v, the vectors are orthonormal, the
    /// eigenvalues descend and add up to the trace.
    @Test func principalComponentsAreTheEigenpairsOfTheSecondMoment() throws {
        let width = 9, count = 400
        var rng = SplitMix64(seed: 7)
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 * 2 - 1 }
        let scales = (0..<width).map { 3.0 / Double($0 + 1) }
        var rows = [Float](repeating: 0, count: width * count)
        for r in 0..<count {
            let coefficients = scales.map { $0 * uniform() }
            // A fixed rotation mixes the axes, so that the components are not the coordinate axes.
            for j in 0..<width {
                var value = 0.0
                for k in 0..<width { value += coefficients[k] * cos(Double((j + 1) * (k + 2))) }
                rows[r * width + j] = Float(value)
            }
        }
        let pca = try rows.withUnsafeBufferPointer { try PrincipalComponents(rows: $0, width: width) }
        var moment = [Double](repeating: 0, count: width * width)
        for r in 0..<count {
            for i in 0..<width { for j in 0..<width { moment[i * width + j] += Double(rows[r * width + i]) * Double(rows[r * width + j]) / Double(count) } }
        }
        let trace = (0..<width).reduce(0.0) { $0 + moment[$1 * width + $1] }
        #expect(abs(pca.eigenvalues.reduce(0, +) - trace) < 1e-9 * trace)
        #expect(zip(pca.eigenvalues, pca.eigenvalues.dropFirst()).allSatisfy { $0 >= $1 })
        for a in 0..<width {
            let v = Array(pca.vectors[(a * width)..<((a + 1) * width)])
            for i in 0..<width {
                let av = (0..<width).reduce(0.0) { $0 + moment[i * width + $1] * v[$1] }
                #expect(abs(av - pca.eigenvalues[a] * v[i]) < 1e-9 * trace, "component \(a) entry \(i)")
            }
            for b in 0..<width {
                let dot = (0..<width).reduce(0.0) { $0 + v[$1] * pca.vectors[b * width + $1] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-10)
            }
            #expect(v.max(by: { abs($0) < abs($1) })! > 0)  // the sign rule
        }
        #expect(pca.explained(width) > 0.999999 && pca.explained(1) < 1)
        #expect(throws: TrainingError.self) { try [Float](repeating: 1, count: 5).withUnsafeBufferPointer { try PrincipalComponents(rows: $0, width: 3) } }
        #expect(throws: TrainingError.self) { try [Float](repeating: .nan, count: 9).withUnsafeBufferPointer { try PrincipalComponents(rows: $0, width: 3) } }
    }

    /// At the encoder's width the PCA head is a rotation: before any update, the new model's token vectors are the
    /// untrained model's. At a smaller width its rows are the leading components (orthonormal).
    @Test func aPCAHeadKeepsTheZeroShotGeometry() throws {
        var c = MultiVectorFolderTests.configuration("xtr")
        c.headInit = "pca"
        c.tokenDimension = 32
        c.learningRate = 0
        c.steps = 1
        let out = TestFolder.path("tessera-pca")
        _ = try MultiVectorFolderTests.train(c, out: out)
        let texts = ["the sun makes light", "water is cold and clear"]
        let rotated = try EmbeddingModel(folder: out).embedTokens(texts, options: EmbedOptions(threads: 1))
        let plain = try EmbeddingModel(folder: TrainingCase.tinyModel()).embedTokens(texts, options: EmbedOptions(threads: 1))
        #expect(rotated.dimension == 32 && rotated.offsets == plain.offsets)
        let tokens = plain.offsets.last!
        for a in 0..<tokens {
            for b in 0..<tokens {
                let x = (0..<32).reduce(0.0) { $0 + Double(rotated.vectors[a * 32 + $1]) * Double(rotated.vectors[b * 32 + $1]) }
                let y = (0..<32).reduce(0.0) { $0 + Double(plain.vectors[a * 32 + $1]) * Double(plain.vectors[b * 32 + $1]) }
                #expect(abs(x - y) < 1e-5, "tokens \(a), \(b)")
            }
        }

        c.tokenDimension = 12
        let small = out + "-12"
        _ = try MultiVectorFolderTests.train(c, out: small)
        let head = try DenseHead(folder: small, path: "1_Dense")
        #expect(head.weight.shape == [12, 32] && head.bias == nil)
        for a in 0..<12 {
            for b in 0..<12 {
                let dot = (0..<32).reduce(0.0) { $0 + Double(head.weight.pointer[a * 32 + $1]) * Double(head.weight.pointer[b * 32 + $1]) }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-5)
            }
        }
        // The leading rows of the full-width head are the small head's.
        let full = try DenseHead(folder: out, path: "1_Dense")
        #expect((0..<(12 * 32)).allSatisfy { full.weight.pointer[$0] == head.weight.pointer[$0] })

        c.tokenDimension = 33
        #expect(throws: TrainingError.self) { try MultiVectorFolderTests.train(c, out: out + "-33") }
        c.tokenDimension = 12
        c.headInit = "zeros"
        #expect(throws: TrainingError.self) { try MultiVectorFolderTests.train(c, out: out + "-zeros") }
        // A folder with a head already keeps it: a new head's initialisation is refused.
        c.headInit = "pca"
        c.tokenDimension = nil
        #expect(throws: TrainingError.self) {
            try TrainingRun(model: out, data: TrainedFolderTests.fixtures + "/tiny_train.jsonl", output: out + "-again", configuration: c, threads: 2)
        }
        var pooled = TrainingConfiguration(loss: "mnrl")
        pooled.headInit = "pca"
        #expect(throws: TrainingError.self) { try pooled.validate() }
    }

    /// The ridge fit recovers an exact linear relation (no ridge), keeps its bias out of the penalty, reports R², and
    /// refuses too few rows.
    @Test func salienceRegressionRecoversALinearRelation() throws {
        var rng = SplitMix64(seed: 7)
        let width = 6, count = 200
        let w: [Double] = [0.5, -1.25, 2, 0, 0.75, -0.3], b = 3.5
        var rows: [Float] = [], targets: [Double] = []
        for _ in 0..<count {
            let x = (0..<width).map { _ in Float(Double(rng.next() >> 11) * 0x1p-53 * 2 - 1) }
            rows += x
            targets.append(zip(w, x).reduce(b) { $0 + $1.0 * Double($1.1) })
        }
        let exact = try rows.withUnsafeBufferPointer { try SalienceRegression(rows: $0, width: width, targets: targets, ridge: 0) }
        for j in 0..<width { #expect(abs(Double(exact.weight[j]) - w[j]) < 1e-5, "weight \(j): \(exact.weight[j])") }
        #expect(abs(Double(exact.bias) - b) < 1e-5 && exact.explained > 0.999_999)
        let ridged = try rows.withUnsafeBufferPointer { try SalienceRegression(rows: $0, width: width, targets: targets, ridge: 0.5) }
        #expect(ridged.explained < exact.explained && ridged.explained > 0.5)
        #expect(throws: TrainingError.self) { try rows.withUnsafeBufferPointer { try SalienceRegression(rows: UnsafeBufferPointer(rebasing: $0[0..<(width * width)]), width: width, targets: Array(targets.prefix(width))) } }
    }
}
