import Foundation
import Prometheus
import TesseraCollections

/// The server's Prometheus metrics (`GET /metrics`, text exposition format): requests by route and status, their
/// durations, requests in flight, the work queue (running, waiting, refused, timed out), searches by mode, documents
/// written, and each collection's documents and segments.
final class ServerMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let queueRunning: Gauge
    private let queueWaiting: Gauge
    private let refused: Counter
    private let timedOut: Counter
    private let written: Counter
    private let lock = NSLock()
    private var reported = (refused: 0, timedOut: 0)
    private var collectionGauges: [String: (documents: Gauge, segments: Gauge)] = [:]

    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10), .seconds(30),
    ]

    init() {
        inFlight = registry.makeGauge(descriptor: Self.name("http_requests_in_flight", "", "HTTP requests being answered"))
        queueRunning = registry.makeGauge(descriptor: Self.name("work_running", "", "Request jobs running on the work pool"))
        queueWaiting = registry.makeGauge(descriptor: Self.name("work_waiting", "", "Request jobs waiting for the work pool"))
        refused = registry.makeCounter(descriptor: Self.name("work_refused", "total", "Requests refused with 429 because the work queue was full"))
        timedOut = registry.makeCounter(descriptor: Self.name("work_timed_out", "total", "Requests answered 503 at their deadline"))
        written = registry.makeCounter(descriptor: Self.name("documents_written", "total", "Documents added or upserted (acknowledged)"))
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tessera", metricName: metric, unitName: unit, helpText: help)
    }

    func requestStarted() { inFlight.increment() }

    func requestFinished(method: String, route: String, status: Int, duration: Duration) {
        inFlight.decrement()
        registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered"),
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time to answer an HTTP request"),
                                       labels: [("method", method), ("route", route)], buckets: Self.durationBuckets).record(duration)
    }

    func searched(mode: String, duration: Duration) {
        registry.makeDurationHistogram(descriptor: Self.name("search_duration", "seconds", "Time of a collection search (query encoding included)"),
                                       labels: [("mode", mode)], buckets: Self.durationBuckets).record(duration)
    }

    func documentsWritten(_ count: Int) { written.increment(by: Int64(count)) }

    /// The exposition text, with the gauges read now from `work` and `registry`.
    func exposition(work: WorkQueue, collections: CollectionRegistry) -> [UInt8] {
        let load = work.load
        queueRunning.set(Double(load.running))
        queueWaiting.set(Double(load.waiting))
        lock.lock()
        refused.increment(by: Int64(load.refused - reported.refused))
        timedOut.increment(by: Int64(load.timedOut - reported.timedOut))
        reported = (load.refused, load.timedOut)
        let names = Set(collections.names)
        for (name, gauges) in collectionGauges where !names.contains(name) {
            registry.unregisterGauge(gauges.documents)
            registry.unregisterGauge(gauges.segments)
            collectionGauges[name] = nil
        }
        for name in names.sorted() {
            guard let collection = try? collections.collection(name) else { continue }
            let gauges = collectionGauges[name] ?? (
                registry.makeGauge(descriptor: Self.name("collection_documents", "", "Live documents of a collection"), labels: [("collection", name)]),
                registry.makeGauge(descriptor: Self.name("collection_segments", "", "Segments of a collection"), labels: [("collection", name)])
            )
            collectionGauges[name] = gauges
            gauges.documents.set(Double(collection.count))
            gauges.segments.set(Double(collection.segmentCount))
        }
        lock.unlock()
        return registry.emitToBuffer()
    }
}
