import Foundation

/// Runs pure per-item work of a chunk on several threads: decoding and classifying households costs far more
/// than reading or writing their rows, so chunks are read and written on one thread and computed on all cores.
enum ParallelWork {
    /// `body` applied to every item, in order, on up to `workers` threads. Rethrows the first error.
    static func map<T: Sendable, U: Sendable>(_ items: [T], workers: Int, _ body: @Sendable (T) throws -> U) throws -> [U] {
        let slices = max(1, min(workers, items.count / 64))
        if slices == 1 { return try items.map(body) }
        let results = SliceResults<U>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (items.count * slice / slices)..<(items.count * (slice + 1) / slices)
            results.set(slice, Result { try items[range].map(body) })
        }
        return try results.joined()
    }

    /// Threads worth using on this machine.
    static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// One result slot per slice, each written by exactly one thread.
private final class SliceResults<U: Sendable>: @unchecked Sendable {
    // @unchecked: each slot is written once, by its slice's own thread, and read only after concurrentPerform returns.
    private let slots: UnsafeMutableBufferPointer<Result<[U], any Error>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ index: Int, _ result: Result<[U], any Error>) { slots[index] = result }

    func joined() throws -> [U] {
        var all: [U] = []
        for slot in slots { all += try slot!.get() }
        return all
    }
}
