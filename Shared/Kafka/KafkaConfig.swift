import CRdKafka

/// librdkafka configuration passed through as property names and values.
///
/// Every librdkafka property works (`security.protocol`, `sasl.*`, `ssl.*` included), so a new librdkafka
/// brings new settings without a change here, as librdkafka recommends to binding authors.
public struct KafkaConfig: Sendable {
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public subscript(name: String) -> String? {
        get { properties[name] }
        set { properties[name] = newValue }
    }

    /// A copy with `overrides` applied on top.
    public func merging(_ overrides: [String: String]) -> KafkaConfig {
        KafkaConfig(properties.merging(overrides) { _, new in new })
    }

    /// Properties safe to print: any whose name mentions a secret is masked.
    public var redacted: [String: String] {
        properties.reduce(into: [:]) { result, entry in
            let secret = ["password", "secret", "sasl.oauthbearer.config", "ssl.key.pem", "token"]
                .contains { entry.key.lowercased().contains($0) }
            result[entry.key] = secret ? "***" : entry.value
        }
    }

    /// Builds an `rd_kafka_conf_t`; the caller owns it until `rd_kafka_new` succeeds.
    func makeNative() throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, name, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.client("configuration property \(name): \(String(cString: errstr))")
            }
        }
        return conf
    }
}
