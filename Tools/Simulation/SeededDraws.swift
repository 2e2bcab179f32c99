/// Draws for the agency simulators that depend only on a seed, a key (a referral, an offer, a catalogue entry) and
/// what the draw is for: the same plan whatever order things are planned in, and again on a replay.
public struct SeededDraws: Sendable {
    public let seed: UInt64
    public let key: String

    public init(seed: UInt64, key: String) {
        self.seed = seed
        self.key = key
    }

    /// A number in [0, 1).
    public func unit(_ purpose: String) -> Double {
        Double(Self.hash("\(seed)|\(key)|\(purpose)") >> 11) / Double(1 << 53)
    }

    /// A whole number in 0..<bound (0 when bound is not positive).
    public func int(_ purpose: String, _ bound: Int) -> Int { Int(Self.hash("\(seed)|\(key)|\(purpose)") % UInt64(max(1, bound))) }

    /// FNV-1a, then SplitMix64's finaliser so that near keys spread.
    public static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }
}
