import NIOCore
import NIOHTTP1

/// Tells a ``ConnectionTimeoutHandler`` where an HTTP connection is: a request's head and
/// end as they are decoded, an answer's end as it is written. It sits behind NIO's HTTP
/// server handlers, so it sees requests one at a time, as they are served.
final class HTTPProgressHandler: ChannelDuplexHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias InboundOut = HTTPServerRequestPart
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = HTTPServerResponsePart

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head: context.triggerUserOutboundEvent(ConnectionProgress.headReceived, promise: nil)
    case .body: break
    case .end: context.triggerUserOutboundEvent(ConnectionProgress.requestReceived, promise: nil)
    }
    context.fireChannelRead(data)
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let isEnd: Bool
    if case .end = unwrapOutboundIn(data) { isEnd = true } else { isEnd = false }
    context.write(data, promise: promise)
    if isEnd { context.triggerUserOutboundEvent(ConnectionProgress.answerSent, promise: nil) }
  }
}
