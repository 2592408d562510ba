import NIOCore

/// Holds what a proxied channel receives until its ``ProxyPump`` is in place: the bytes and
/// the end of input that NIO reads from the socket as soon as the peer closes, even on a
/// channel that does not read by itself. Without it, a client that sends and closes before
/// the connection to the server is made would lose its bytes.
///
/// On an accepted channel it also tells the proxy when the channel is active (registered with
/// its event loop: reads and closes work from then on).
final class ProxyHoldHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer

  private let active: ((any Channel) -> Void)?
  private var held: [NIOAny] = []
  private var inputClosed = false

  /// A handler that holds, and calls `active` with the channel when it becomes active.
  init(active: ((any Channel) -> Void)? = nil) {
    self.active = active
  }

  func channelActive(context: ChannelHandlerContext) {
    context.fireChannelActive()
    active?(context.channel)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    held.append(data)
  }

  func channelReadComplete(context: ChannelHandlerContext) {}

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case .some(ChannelEvent.inputClosed) = event as? ChannelEvent {
      inputClosed = true
    } else {
      context.fireUserInboundEventTriggered(event)
    }
  }

  /// Passes on what was held to the handlers after this one, and leaves the pipeline.
  static func release(_ channel: any Channel) throws {
    let handler = try channel.pipeline.syncOperations.handler(type: ProxyHoldHandler.self)
    let context = try channel.pipeline.syncOperations.context(handler: handler)
    for data in handler.held { context.fireChannelRead(data) }
    if !handler.held.isEmpty { context.fireChannelReadComplete() }
    handler.held = []
    if handler.inputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
  }
}
