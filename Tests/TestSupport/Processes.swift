import Foundation
import Kafka
import ServiceRuntime

/// A broker of one's own (Tansu, memory storage) for tests that must not share topics.
public final class LocalBroker: @unchecked Sendable {
    // @unchecked: immutable after init.
    public let address: String
    private let dataDir: String

    public init() throws {
        dataDir = try TestEnvironment.temporaryDirectory("broker")
        let output = try run(["\(TestEnvironment.root)/compose/broker", "start", "--data-dir", dataDir])
        guard let address = output.split(separator: "\n").last.map(String.init), address.contains(":") else {
            throw TestFailure("compose/broker start printed no address: \(output)")
        }
        self.address = address
    }

    public func stop() {
        _ = try? run(["\(TestEnvironment.root)/compose/broker", "stop", "--data-dir", dataDir])
    }

    deinit { stop() }
}

/// Runs a command to completion and returns its standard output.
@discardableResult
public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else { throw TestFailure("\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)") }
    return output
}

/// One of the five services as a real process, with its own store folder and HTTP port.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `start`, which tests call from one task.
    public let name: String
    public let port: Int
    public let dataDir: String
    private let environment: [String: String]
    private var process: Process?
    private var logHandle: FileHandle?

    public init(_ name: String, brokers: String, dataDir: String, extraEnvironment: [String: String] = [:]) throws {
        self.name = name
        self.port = try freePort()
        self.dataDir = dataDir
        environment = [
            "KAFKA_BROKERS": brokers, "GIAMNGHEO_DATA_DIR": dataDir, "HTTP_PORT": String(port), "LOG_LEVEL": "info",
        ].merging(extraEnvironment) { _, new in new }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var logPath: String { "\(dataDir)/\(name).log" }

    /// Starts (or restarts) the process; logs are appended to `logPath`.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(TestEnvironment.binDirectory)/\(name)")
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        self.logHandle = handle
    }

    /// Waits until `/readyz` answers 200 (store open, broker reachable, partitions assigned).
    public func waitReady(timeout: Duration = .seconds(90)) async throws {
        let client = JSONHTTPClient(baseURL: baseURL)
        try await waitUntil("\(name) ready", timeout: timeout, every: .milliseconds(200)) {
            guard isRunning else { throw TestFailure("\(name) exited; see \(logPath)") }
            return (try? await client.get("/readyz").status) == 200
        }
    }

    /// `kill -9`: no shutdown work at all, as in a crash.
    public func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: the graceful path.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    public var isRunning: Bool { process?.isRunning == true }

    deinit { kill() }
}

/// A port nobody listens on now (bound and released).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
