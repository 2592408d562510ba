import NIOCore
import NIOTLS

/// Waits for a client connection's TLS handshake, so that a failure is reported as what it is
/// (``TLSErrorHandler`` in front of it has named the cause: unknown authority, name mismatch …)
/// rather than as the first write failing.
final class TLSHandshake: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private let done: EventLoopPromise<Void>

  init(eventLoop: any EventLoop) {
    done = eventLoop.makePromise()
  }

  /// Returns once the handshake on `channel` (whose pipeline has a `TLSHandshake`) has
  /// completed; throws the error that failed it.
  static func completed(on channel: any Channel) async throws {
    try await channel.eventLoop.flatSubmit {
      do {
        return try channel.pipeline.syncOperations.handler(type: TLSHandshake.self).done.futureResult
      } catch {
        return channel.eventLoop.makeFailedFuture(error)
      }
    }.get()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let event = event as? TLSUserEvent, case .handshakeCompleted = event { done.succeed() }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    done.fail(error)
    context.fireErrorCaught(error)
  }

  func channelInactive(context: ChannelHandlerContext) {
    done.fail(ChannelError.eof)
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    done.fail(ChannelError.ioOnClosedChannel)
  }
}
