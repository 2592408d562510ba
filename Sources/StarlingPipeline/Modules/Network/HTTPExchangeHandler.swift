import NIOCore
import NIOHTTP1

/// One request for ``HTTPExchangeHandler``: what to send and where its response goes.
struct HTTPExchangeRequest: Sendable {
  var head: HTTPRequestHead
  var body: ByteBuffer
  var promise: EventLoopPromise<HTTPExchangeResponse>
}

/// The response to an ``HTTPExchangeRequest``.
struct HTTPExchangeResponse: Sendable {
  var status: HTTPResponseStatus
  var keepAlive: Bool
  var body: [UInt8]
}

/// The user event that ends the request in flight with ``HTTPExchangeError/timedOut``.
struct HTTPExchangeTimeout: Sendable {}

/// Why an exchange got no response.
enum HTTPExchangeError: Error, CustomStringConvertible {
  /// The connection closed before the response was complete.
  case closedEarly
  /// The response took longer than the timeout.
  case timedOut
  /// A second request was written while one was in flight (a bug in the caller).
  case busy

  var description: String {
    switch self {
    case .closedEarly: return "the server closed the connection before answering"
    case .timedOut: return "no answer in time"
    case .busy: return "a request is already in flight on this connection"
    }
  }
}

/// A client connection's request/response cycle: writes one request, completes its promise
/// with the response; a closed connection, an error or a timeout fails it (and closes the
/// connection, which cannot be reused after a half-read response).
final class HTTPExchangeHandler: ChannelDuplexHandler {
  typealias InboundIn = HTTPClientResponsePart
  typealias OutboundIn = HTTPExchangeRequest
  typealias OutboundOut = HTTPClientRequestPart

  private var pending: EventLoopPromise<HTTPExchangeResponse>?
  private var head: HTTPResponseHead?
  private var body: [UInt8] = []

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let request = unwrapOutboundIn(data)
    guard pending == nil else {
      request.promise.fail(HTTPExchangeError.busy)
      promise?.fail(HTTPExchangeError.busy)
      return
    }
    pending = request.promise
    head = nil
    body = []
    context.write(wrapOutboundOut(.head(request.head)), promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
    context.write(wrapOutboundOut(.end(nil)), promise: promise)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let responseHead):
      head = responseHead
    case .body(let chunk):
      body.append(contentsOf: chunk.readableBytesView)
    case .end:
      guard let head, let promise = pending else { return }
      pending = nil
      promise.succeed(HTTPExchangeResponse(status: head.status, keepAlive: head.isKeepAlive, body: body))
    }
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is HTTPExchangeTimeout {
      fail(HTTPExchangeError.timedOut)
      context.close(promise: nil)
    } else {
      context.fireUserInboundEventTriggered(event)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    fail(HTTPExchangeError.closedEarly)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    fail(error)
    context.close(promise: nil)
  }

  private func fail(_ error: any Error) {
    let promise = pending
    pending = nil
    promise?.fail(error)
  }
}
