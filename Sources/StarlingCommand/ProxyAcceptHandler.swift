import NIOCore

/// Tells the proxy about an accepted connection once it is active (registered with its event
/// loop: reads and closes work from then on), then leaves the pipeline.
final class ProxyAcceptHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer

  private let active: (any Channel) -> Void

  /// A handler calling `active` with the channel when it becomes active.
  init(active: @escaping (any Channel) -> Void) {
    self.active = active
  }

  func channelActive(context: ChannelHandlerContext) {
    context.fireChannelActive()
    context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    active(context.channel)
  }
}
