import Foundation
import Testing
import TesseraKernels

/// The shared idf formula and its document-frequency count.
@Suite struct InverseDocumentFrequencyTests {
    @Test func countsEachDocumentOncePerIdAndSkipsIdsOutsideTheVocabulary() {
        // Three documents: [1, 1, 2], [2, -1], [7, 0]; vocabulary 0..<4 (7 is outside, -1 is padding).
        let ids: [Int32] = [1, 1, 2, 2, -1, 7, 0]
        let table = ids.withUnsafeBufferPointer {
            InverseDocumentFrequency.table(tokenIds: $0, documentOffsets: [0, 3, 5, 7], vocabularySize: 4)
        }
        func idf(_ df: Double) -> Double { log(1 + (3 - df + 0.5) / (df + 0.5)) }
        #expect(table == [idf(1), idf(1), idf(2), idf(0)])
        #expect(table[3] == log(1 + 3.5 / 0.5), "an id in no document gets the largest value")
    }

    @Test func listsOfIdsGiveTheSameTableAsTheFlatLayout() {
        let documents: [[Int32]] = [[5, 3, 3], [], [3, 9], [0]]
        let flat = documents.flatMap { $0 }
        let fromFlat = flat.withUnsafeBufferPointer {
            InverseDocumentFrequency.table(tokenIds: $0, documentOffsets: [0, 3, 3, 5, 6], vocabularySize: 10)
        }
        #expect(InverseDocumentFrequency.table(documents: documents, vocabularySize: 10) == fromFlat)
        #expect(fromFlat[3] == InverseDocumentFrequency.value(documentFrequency: 2, documentCount: 4))
        #expect(fromFlat[3] < fromFlat[5] && fromFlat[5] < fromFlat[1], "rarer ids weigh more")
    }

    @Test func noDocumentsGiveTheValueOfAnEmptyCorpus() {
        let table = [Int32]().withUnsafeBufferPointer {
            InverseDocumentFrequency.table(tokenIds: $0, documentOffsets: [0], vocabularySize: 2)
        }
        #expect(table == [log(2), log(2)])
    }
}
