import CRdKafka
import Logging

/// Callback context shared by every librdkafka handle: logging and error reporting.
///
/// `@unchecked Sendable`: librdkafka calls `log_cb` from its internal threads; the only state read
/// there is the immutable logger, and `Logger` is thread-safe.
class NativeClientContext: @unchecked Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

/// Routes librdkafka's own log lines to swift-log (they carry broker names, never message contents).
let nativeLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, buffer in
    guard let rk, let raw = rd_kafka_opaque(rk) else { return }
    let context = Unmanaged<NativeClientContext>.fromOpaque(raw).takeUnretainedValue()
    let text = buffer.map { String(cString: $0) } ?? ""
    let fac = facility.map { String(cString: $0) } ?? ""
    let swiftLevel: Logger.Level =
        switch level {
        case ...3: .error
        case 4: .warning
        case 5, 6: .info
        default: .debug
        }
    context.logger.log(level: swiftLevel, "librdkafka: \(text)", metadata: ["facility": .string(fac)])
}

/// Logs client-level errors (broker down, authentication, fatal idempotence errors).
let nativeErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, err, reason, opaque in
    guard let opaque else { return }
    let context = Unmanaged<NativeClientContext>.fromOpaque(opaque).takeUnretainedValue()
    let error = KafkaError(rd_kafka_resp_err_t(err), reason: reason.map { String(cString: $0) })
    context.logger.log(level: error.isFatal ? .critical : .warning, "kafka client error", metadata: ["error": "\(error)"])
}

/// Creates an `rd_kafka_t`, wiring logs and errors to `context`.
/// - Returns: the handle; the caller destroys it with `rd_kafka_destroy`.
func makeNativeHandle(
    type: rd_kafka_type_t,
    config: KafkaConfig,
    context: NativeClientContext,
    configure: (OpaquePointer) -> Void = { _ in }
) throws(KafkaError) -> OpaquePointer {
    let conf = try config.makeNative()
    rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
    rd_kafka_conf_set_log_cb(conf, nativeLogCallback)
    rd_kafka_conf_set_error_cb(conf, nativeErrorCallback)
    configure(conf)
    var errstr = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError.client("cannot create client: \(String(cString: errstr))")
    }
    return handle
}

/// The librdkafka version this process runs with, e.g. "2.8.0".
public var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

extension Array where Element == UInt8 {
    init(bytes pointer: UnsafeRawPointer?, count: Int) {
        guard let pointer, count > 0 else {
            self = []
            return
        }
        self = Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
