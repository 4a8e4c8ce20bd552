import TesseraIO

extension HNSWGraph {
    /// Array names in an index folder.
    public enum ArrayName {
        /// Level-0 lists, int32 `count × (2M + 1)`.
        public static let links0 = "hnsw_links0"
        /// Prefix sums of node levels, int64 `count + 1`.
        public static let upperOffsets = "hnsw_upper_offsets"
        /// Lists of levels ≥ 1, int32 `offsets[count] × (M + 1)`.
        public static let upperLinks = "hnsw_upper_links"
    }

    /// The key of the graph's parameters in the manifest's `parameters` object.
    public static let parametersKey = "hnsw"

    /// Whether `folder` holds an HNSW graph (its arrays and parameters).
    public static func isPresent(in folder: IndexFolder) -> Bool {
        folder.hasArray(ArrayName.links0) && folder.hasArray(ArrayName.upperOffsets)
            && folder.hasArray(ArrayName.upperLinks) && folder.manifest.parameters[parametersKey]?.objectValue != nil
    }

    /// Adds the graph's arrays (prefixed `hnsw_`) to `writer` and records its parameters under
    /// `writer.parameters["hnsw"]` (`m`, `ef_construction`, `ef_search`, `seed`, `count`, `dimension`,
    /// `entry_point`, `max_level`), replacing any earlier entry.
    public func write(into writer: IndexFolderWriter) throws(IndexError) {
        try writer.addArray(ArrayName.links0, links0)
        try writer.addArray(ArrayName.upperOffsets, upperOffsets)
        try writer.addArray(ArrayName.upperLinks, upperLinks)
        let object = JSONObject([
            ("m", .number(Double(parameters.m))),
            ("ef_construction", .number(Double(parameters.efConstruction))),
            ("ef_search", .number(Double(parameters.efSearch))),
            // A string: UInt64 seeds above 2^53 would not survive a JSON number.
            ("seed", .string(String(parameters.seed))),
            ("count", .number(Double(count))),
            ("dimension", .number(Double(dimension))),
            ("entry_point", .number(Double(entryPoint))),
            ("max_level", .number(Double(maxLevel))),
            ("metric", .string("inner_product")),
        ])
        writer.parameters.entries.removeAll { $0.key == Self.parametersKey }
        writer.parameters.entries.append((Self.parametersKey, .object(object)))
    }

    /// Opens the graph stored in `folder` (arrays memory-mapped, not copied) and validates its structure: array
    /// sizes agree with the parameters; every list length is within its cap; every neighbour id is a node, not the
    /// node itself, and (above level 0) a node that exists on that level; the entry point is a node of the top
    /// level, which is the highest node level. Throws ``IndexError/Code/invalidArray`` (or `invalidManifest`)
    /// naming the folder and the first inconsistency.
    public convenience init(folder: IndexFolder) throws(IndexError) {
        let path = folder.path
        guard let object = folder.manifest.parameters[Self.parametersKey]?.objectValue else {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: no \"\(Self.parametersKey)\" parameters (no HNSW graph in this index)")
        }
        func int(_ key: String, min: Int = 0) throws(IndexError) -> Int {
            guard let v = object[key]?.intValue, v >= min else {
                throw IndexError(.invalidManifest, "\(path)/manifest.json: parameters.hnsw.\(key) is missing or invalid")
            }
            return v
        }
        let m = try int("m", min: 2)
        let efConstruction = try int("ef_construction", min: 1)
        let efSearch = try int("ef_search", min: 1)
        guard let seedText = object["seed"]?.stringValue, let seed = UInt64(seedText) else {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: parameters.hnsw.seed is missing or invalid")
        }
        let count = try int("count")
        let dimension = try int("dimension", min: 1)
        guard let entryValue = object["entry_point"]?.doubleValue, entryValue >= -1, entryValue == entryValue.rounded(),
              entryValue < Double(Int32.max) else {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: parameters.hnsw.entry_point is missing or invalid")
        }
        let entry = Int32(entryValue)
        let maxLevel = try int("max_level")
        if let stored = folder.manifest.dimension, stored != dimension {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: HNSW dimension \(dimension) differs from the index dimension \(stored)")
        }
        if let documents = folder.manifest.counts["documents"], documents != count {
            throw IndexError(.invalidManifest, "\(path)/manifest.json: HNSW graph has \(count) nodes but the index \(documents) documents")
        }
        let parameters = HNSWParameters(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed)
        let links0 = try folder.array(ArrayName.links0, as: Int32.self, count: count * (2 * m + 1))
        let offsets = try folder.array(ArrayName.upperOffsets, as: Int64.self, count: count + 1)
        let upperRows = Int(offsets.buffer.last ?? 0)
        let upper = try folder.array(ArrayName.upperLinks, as: Int32.self)
        self.init(parameters: parameters, count: count, dimension: dimension, entryPoint: count > 0 ? entry : -1,
                  maxLevel: maxLevel, links0: links0, upperOffsets: offsets, upperLinks: upper)
        try validate(upperRows: upperRows, name: path)
    }

    /// Checks the structure (see ``init(folder:)``).
    func validate(upperRows: Int, name: String) throws(IndexError) {
        let m = parameters.m, m0 = parameters.maxLinksLevel0
        let o = upperOffsetsBase
        guard upperOffsets.count == count + 1, o[0] == 0 else {
            throw IndexError(.invalidArray, "\(name)/\(ArrayName.upperOffsets).bin: must start at 0 and hold \(count + 1) offsets")
        }
        var top = 0
        var topNode = -1
        for i in 0..<count {
            let l = o[i + 1] - o[i]
            guard l >= 0, l <= 64 else {
                throw IndexError(.invalidArray, "\(name)/\(ArrayName.upperOffsets).bin: node \(i) has invalid level \(l)")
            }
            if Int(l) > top || topNode < 0 {
                top = Int(l)
                topNode = i
            }
        }
        guard upperRows >= 0, upperRows <= upperLinks.count, upperLinks.count == upperRows * (m + 1) else {
            throw IndexError(.invalidArray,
                             "\(name)/\(ArrayName.upperLinks).bin: holds \(upperLinks.count) entries, the levels need \(upperRows) rows of \(m + 1)")
        }
        if count > 0 {
            guard entryPoint >= 0, Int(entryPoint) < count else {
                throw IndexError(.invalidArray, "\(name): HNSW entry point \(entryPoint) is not a node (0..<\(count))")
            }
            guard maxLevel == top, level(of: Int(entryPoint)) == top else {
                throw IndexError(.invalidArray,
                                 "\(name): HNSW top level \(maxLevel) / entry point level \(level(of: Int(entryPoint))) disagree with the node levels (highest \(top))")
            }
        }
        for node in 0..<count {
            let nodeLevel = level(of: node)
            for l in 0...nodeLevel {
                let row = linkRow(node, l)
                let n = Int(row[0])
                let cap = l == 0 ? m0 : m
                guard n >= 0, n <= cap else {
                    throw IndexError(.invalidArray,
                                     "\(name)/\(l == 0 ? ArrayName.links0 : ArrayName.upperLinks).bin: node \(node) level \(l) lists \(n) links (at most \(cap))")
                }
                var i = 1
                while i <= n {
                    let id = Int(row[i])
                    i += 1
                    guard id >= 0, id < count, id != node else {
                        throw IndexError(.invalidArray,
                                         "\(name)/\(l == 0 ? ArrayName.links0 : ArrayName.upperLinks).bin: node \(node) level \(l) links to \(id), not a valid node")
                    }
                    guard l == 0 || level(of: id) >= l else {
                        throw IndexError(.invalidArray,
                                         "\(name)/\(ArrayName.upperLinks).bin: node \(node) level \(l) links to node \(id), which has only level \(level(of: id))")
                    }
                }
            }
        }
    }
}
