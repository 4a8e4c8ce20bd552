import TesseraIndex

/// The behaviour every ``MutableIndex`` promises, checked the same way on each conformer.
public enum MutableIndexContract {
    /// Runs the contract on an empty `index` and returns what it broke (empty: nothing).
    ///
    /// `row(id, version)` makes a row; `query(id, version)` a query whose best row is that version of that row;
    /// `hitID` reads a hit's id.
    public static func violations<Index: MutableIndex>(
        of index: Index, parameters: Index.Parameters? = nil,
        row: (String, Int) -> Index.Row, query: (String, Int) -> Index.Query, hitID: (Index.Hit) -> String
    ) -> [String] {
        var broken: [String] = []
        func expect(_ condition: Bool, _ what: String) { if !condition { broken.append(what) } }
        func search(_ q: Index.Query, k: Int) -> [String]? {
            do {
                let hits = try index.search(q, k: k, parameters: parameters ?? index.defaultParameters)
                return hits.map(hitID)
            } catch {
                broken.append("search failed: \(error)")
                return nil
            }
        }
        func throwsError(_ body: () throws -> Void) -> Bool {
            do { try body(); return false } catch { return true }
        }

        expect(index.count == 0, "a new index is empty (count \(index.count))")
        expect(!throwsError { try index.add(["a", "b", "c"].map { row($0, 0) }) }, "adding new ids succeeds")
        expect(index.count == 3 && ["a", "b", "c"].allSatisfy(index.contains(id:)), "three rows after adding three")
        if let hits = search(query("b", 0), k: 3) {
            expect(hits.first == "b", "the query for b finds b first (got \(hits))")
            expect(Set(hits).count == hits.count, "no row is found twice (got \(hits))")
        }

        expect(throwsError { try index.add([row("d", 0), row("a", 1)]) }, "adding a present id is refused")
        expect(index.count == 3 && !index.contains(id: "d"), "a refused batch adds nothing")
        expect(throwsError { try index.add([row("e", 0), row("e", 1)]) }, "a batch that repeats an id is refused")
        expect(!index.contains(id: "e"), "a batch refused for a repeated id adds nothing")

        expect(!throwsError { try index.upsert([row("b", 1), row("f", 0)]) }, "upsert succeeds")
        expect(index.count == 4 && index.contains(id: "f"), "upsert replaces b and adds f (count \(index.count))")
        if let hits = search(query("b", 1), k: 4) {
            expect(hits.first == "b", "the query for b's new version finds b first (got \(hits))")
            expect(hits.filter { $0 == "b" }.count == 1, "a replaced row is found once (got \(hits))")
        }

        do {
            let removed = try index.delete(ids: ["a", "absent", "a"])
            expect(removed == 1, "deleting a, an absent id and a again reports 1 (got \(removed))")
        } catch {
            broken.append("delete failed: \(error)")
        }
        expect(index.count == 3 && !index.contains(id: "a"), "a is gone after its delete")
        if let hits = search(query("a", 0), k: 10) {
            expect(!hits.contains("a"), "a deleted row is never found (got \(hits))")
            expect(Set(hits).count == hits.count, "no row is found twice after deletes (got \(hits))")
        }
        expect((try? index.delete(ids: [])) == 0, "deleting no ids deletes nothing")
        expect(!throwsError { try index.add([row("a", 2)]) }, "a deleted id can be added again")
        expect(index.count == 4 && index.contains(id: "a"), "four rows after adding a again")
        return broken
    }
}
