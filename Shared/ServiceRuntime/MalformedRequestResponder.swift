import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser cannot read (a path or headers over the size limit, a broken request line) with a
/// JSON body saying why, where the server would send a bare `400` with nothing in it. Sits after the HTTP decoder; once
/// it has answered, the server's own empty answer to the same error is dropped, and the connection closes.
final class MalformedRequestResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, !answered {
            answered = true
            let body = ErrorBody(error: Self.reason(parserError))
            let bytes = (try? JSONEncoder().encode(body)) ?? Data()
            let head = HTTPResponse(
                status: .badRequest,
                headerFields: [.contentType: "application/json", .contentLength: String(bytes.count), .connection: "close"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: bytes))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !answered else {
            promise?.succeed()
            return
        }
        context.write(data, promise: promise)
    }

    /// What the client sent wrong, in words.
    static func reason(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow:
            return "the request line and headers are longer than the server reads (80 KiB): a path or header too long"
        case .invalidURL:
            return "the request's path is not a valid URL path"
        case .invalidMethod:
            return "the request's method is not an HTTP method"
        case .invalidVersion:
            return "the request's HTTP version is not supported"
        default:
            return "the request is not valid HTTP/1.1 (\(error))"
        }
    }
}
