import Foundation

extension Duration {
    /// The duration in seconds, for the benchmarks' rates and latencies.
    var inSeconds: Double { self / .seconds(1) }
}

/// CPU time (user + system, every thread) this process has used so far, in seconds: a benchmark's own share of the
/// machine it measures.
func processCPUSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }
